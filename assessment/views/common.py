"""Helpers shared by the assessment views."""

from poverty_system.versioning import StaleEdit

from ..services import AssessmentError

EDIT_ERRORS = (AssessmentError, StaleEdit)


def show_error(form, exc) -> None:
    """An action's refusal next to its field; a stale save on top of the form."""
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, exc.message)
