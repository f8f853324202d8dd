"""The forms of 防止返贫监测's leads and rules: they validate input only; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms

from poverty_system.core.forms import VersionedModelForm

from .choices import RiskKind
from .models import MonitoringRules
from .settings_actions import RULE_FIELDS

REQUIRED = "此项为必填项。"


class RulesForm(VersionedModelForm):
    class Meta:
        model = MonitoringRules
        fields = list(RULE_FIELDS)


class HolidayForm(forms.Form):
    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": REQUIRED, "invalid": "日期格式不正确（例如 2026-10-01）。"},
    )
    name = forms.CharField(label="名称", max_length=30, error_messages={"required": REQUIRED})
    workday = forms.BooleanField(label="调休上班（周末上班）", required=False)


class ChoiceRisks(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def _risks() -> ChoiceRisks:
    return ChoiceRisks(
        label="风险类型（可多选，可不选）",
        choices=RiskKind.choices,
        required=False,
        error_messages={"invalid_choice": "风险类型不正确。"},
    )


class HouseholdReportForm(forms.Form):
    """上报监测线索 from a household's page."""

    hardship = forms.CharField(
        label="困难情况",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写困难情况。"},
    )
    risks = _risks()


class FamilyReportForm(forms.Form):
    """上报监测线索 of a family not registered: the village is chosen among the reporter's."""

    village = forms.ModelChoiceField(
        label="所在村",
        queryset=None,
        error_messages={"required": "请选择所在村。", "invalid_choice": "请选择您辖区内的村。"},
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": REQUIRED})
    id_number = forms.CharField(
        label="身份证号码", max_length=20, error_messages={"required": REQUIRED}
    )
    phone = forms.CharField(label="联系电话", max_length=11, required=False)
    hardship = HouseholdReportForm.base_fields["hardship"]
    risks = _risks()

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class NoEcho(forms.TextInput):
    """A public form's ID number and phone are never written back into the page (a form
    shown again after an error asks for them again)."""

    def format_value(self, value: Any) -> None:
        return None


class PublicReportForm(forms.Form):
    """一码申报: name, phone, ID number (not asked on a household's QR page) and the hardship."""

    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": REQUIRED})
    phone = forms.CharField(
        label="手机号码",
        max_length=11,
        widget=NoEcho(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": REQUIRED},
    )
    id_number = forms.CharField(
        label="身份证号码",
        max_length=20,
        required=False,
        widget=NoEcho(attrs={"autocomplete": "off"}),
    )
    hardship = forms.CharField(
        label="困难情况（家里遇到了什么困难）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写困难情况。"},
    )


class VisitForm(forms.Form):
    note = forms.CharField(
        label="核实情况",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写核实情况。"},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不纳入理由（申报人可在申报查询中看到）",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写不纳入理由。"},
    )
