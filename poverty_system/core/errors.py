"""The one error of an action: a refusal with the Chinese message to show.

`field` names the form field it belongs to (None: on top of the form), `row` the formset row
(a member of a household, a measure of a survey). Every app's errors subclass it, so a view
catches ActionError and hands it to poverty_system.core.forms.show_error; a lower layer's
refusal passes through a higher one's action unchanged (no re-wrapping).
"""

from __future__ import annotations


class ActionError(Exception):
    def __init__(self, message: str, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row
