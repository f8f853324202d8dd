from poverty_system.core.errors import ActionError


class AssessmentError(ActionError):
    """A refused assessment action, with the Chinese message to show and the form field it
    belongs to (None: on top of the form)."""
