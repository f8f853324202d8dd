"""What every edit form shares: showing an action's refusal (`show_error`).

A view calls the action inside `try: ... except ActionError as exc: show_error(form, exc)`;
the message lands next to its field (or a formset row's field), else on top of the form. A
stale save (StaleEdit) goes on top with the list of what changed meanwhile
(`form.stale_changes`, templates/households/stale_changes.html); it may be put on an unbound
form of the newer data (units' pages show the record as it is now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms

from poverty_system.versioning import StaleEdit

from .errors import ActionError


def show_error(
    form: forms.BaseForm,
    exc: ActionError,
    rows: Sequence[forms.BaseForm] = (),
    *,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Put an action's refusal next to its field. `rows` are the formset rows `exc.row`
    counts; `fields` renames an action's argument to the form's field (e.g. the action's
    `regions` is the form's one `region`)."""
    if not form.is_bound:  # a fresh form of the newer data, shown after a stale save
        form.full_clean()
        form.cleaned_data = {}
    if isinstance(exc, StaleEdit):
        form.add_error(None, exc.message)
        form.stale_changes = exc.changes  # type: ignore[attr-defined]
        return
    field = (fields or {}).get(exc.field or "", exc.field)
    if exc.row is not None and 0 <= exc.row < len(rows) and field in rows[exc.row].fields:
        rows[exc.row].add_error(field, exc.message)
        return
    form.add_error(field if field in form.fields else None, exc.message)
