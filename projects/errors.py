from poverty_system.core.errors import ActionError


class ProjectError(ActionError):
    """A refused project, fund or asset action, with the Chinese message to show and the
    form field it belongs to (None: on top of the form)."""
