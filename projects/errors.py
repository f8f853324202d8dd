class ProjectError(Exception):
    """A refused project, fund or asset action, with the Chinese message to show and the
    form field it belongs to (None: on top of the form)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field
