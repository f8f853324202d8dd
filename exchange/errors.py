from poverty_system.core.errors import ActionError


class ExchangeError(ActionError):
    """A refused import or export, with the Chinese message to show."""
