from poverty_system.core.errors import ActionError


class IdentificationError(ActionError):
    """A refused identification action, with the Chinese message to show; `field` says where."""
