"""What every edit form shares: the Chinese messages and the record's version
(`ChineseModelForm`, `VersionedModelForm`), and showing an action's refusal (`show_error`).

Forms only validate input; the actions decide, check what needs the rows they lock (the
slice, the state, uniqueness) and write.

A view calls the action inside `try: ... except ActionError as exc: show_error(form, exc)`;
the message lands next to its field (or a formset row's field), else on top of the form. A
stale save (StaleEdit) goes on top with the list of what changed meanwhile
(`form.stale_changes`, templates/households/stale_changes.html); it may be put on an unbound
form of the newer data (units' pages show the record as it is now).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms

from poverty_system.core.versioning import StaleEdit

from .errors import ActionError

REQUIRED = "请填写此项。"
NUMBER_ERRORS = {
    "invalid": "请填写数字。",
    "max_digits": "数值过大。",
    "max_decimal_places": "小数位数过多。",
    "min_value": "不能为负数。",
}
DATE_INVALID = "请按“年-月-日”填写日期，例如 2016-05-12。"


def max_length_message(limit: int) -> str:
    return f"不能超过 {limit} 字。"


def not_negative(value: Any) -> None:
    if value is not None and value < 0:
        raise forms.ValidationError("不能为负数。")


class ChineseModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """A model form with Chinese messages: 请填写此项 on the model's required fields,
    请选择 as the blank choice, <input type=date> with a Chinese hint, length limits and
    numbers (never negative) in Chinese. `all_required`: every field must be filled in."""

    all_required = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = self._meta.fields or ()
        own: Mapping[str, Mapping[str, str]] = self._meta.error_messages or {}
        for name, field in self.fields.items():
            self._chinese_messages(field, name in model_fields)
            # The form's own messages (Meta.error_messages) win over the defaults.
            field.error_messages.update(own.get(name, {}))

    def _chinese_messages(self, field: forms.Field, model_field: bool) -> None:
        if self.all_required:
            field.required = True
        if model_field:
            field.error_messages["required"] = REQUIRED
        # (Choices of a model are lists; a queryset's blank is its field's empty_label.)
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = list(cast("list[tuple[Any, Any]]", field.choices))
            if choices and choices[0][0] == "":
                field.choices = [("", "请选择"), *choices[1:]]
        if isinstance(field, forms.DateField) and field.widget.attrs.get("type") != "month":
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            field.error_messages["invalid"] = DATE_INVALID
        limit = getattr(field, "max_length", None)
        if limit:
            field.error_messages["max_length"] = max_length_message(limit)
        hidden = isinstance(field.widget, forms.HiddenInput)
        if isinstance(field, forms.DecimalField | forms.IntegerField) and not hidden:
            field.error_messages.update(NUMBER_ERRORS)
            field.validators.append(not_negative)


class UniqueByAction:
    """The fields of a unique constraint (`unique_by_action`) are checked for uniqueness by
    the action under its row locks, with its own message; the form checks their format.
    Put it before the model form base: `class F(UniqueByAction, ChineseModelForm)`."""

    unique_by_action: tuple[str, ...] = ()

    def _get_validation_exclusions(self) -> set[str]:
        excluded: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]  # mixin
        return excluded | set(self.unique_by_action)


class VersionedModelForm(ChineseModelForm):
    """An edit form of a versioned record (poverty_system.core.versioning): the hidden `version`
    the record had when the form was opened (0 for a new record); the action refuses a save
    from a form opened before someone else's."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0


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
