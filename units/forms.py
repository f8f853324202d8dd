"""Forms of the units pages: they only validate input; choice fields are narrowed to the
account's slice by the view that builds them. The records' forms are model forms on the
core's base (Chinese messages, the version); the actions keep what needs the locked rows
(uniqueness, the slice, a cadre still serving)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from households import idnumbers
from poverty_system.core.dates import current_year
from poverty_system.core.forms import ChineseModelForm, UniqueByAction, VersionedModelForm
from poverty_system.core.ids import parse_id
from poverty_system.core.text import PHONE_RE
from villages.forms import UsernameField
from villages.models import Region

from .models import (
    AnnualPlan,
    Cadre,
    Measure,
    Survey,
    Transfer,
    TransferKind,
    Unit,
    UnitVillage,
    VisitLog,
)


class DateInput(forms.DateInput):
    """<input type=date> wants ISO dates whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")


class VillageChoiceField(forms.ModelChoiceField):
    """A village of the county, named with its township: a county has villages of the same
    name in several townships (于都县 has two 东方红居委会)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.parent.name} · {obj.name}"


class VillageLinkForm(ChineseModelForm):
    """登记帮扶村: a village of the unit's county not linked to it yet (the view's `villages`)
    and the assistance plan."""

    class Meta:
        model = UnitVillage
        fields = ["village", "plan"]
        field_classes = {"village": VillageChoiceField}
        widgets = {"plan": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, villages: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        village.queryset = villages.select_related("parent")
        village.empty_label = "请选择村"


def plan_years() -> tuple[int, int]:
    """The years an annual plan may be written for: 2000 to five years ahead."""
    return 2000, current_year() + 5


class PlansForm(VersionedModelForm):
    """帮扶规划 of a village link (its version) and the 年度帮扶计划 of one year (the plan's own
    version, `plan_version`, none before it is first written)."""

    plan_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    year = forms.IntegerField(label=AnnualPlan._meta.get_field("year").verbose_name)
    annual_plan = forms.CharField(
        label=AnnualPlan._meta.get_field("content").verbose_name,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    class Meta:
        model = UnitVillage
        fields = ["plan"]
        widgets = {"plan": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, last = plan_years()
        self.fields["year"].widget.attrs.update({"min": first, "max": last})

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        first, last = plan_years()
        if not first <= year <= last:
            raise forms.ValidationError("请填写正确的年度。")
        return year


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class HouseholdLinkForm(forms.Form):
    unit = forms.ModelChoiceField(label="帮扶单位", queryset=None, empty_label="请选择单位")

    def __init__(self, *args: Any, units: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class CadreForm(UniqueByAction, VersionedModelForm):
    unique_by_action = ("id_number",)

    class Meta:
        model = Cadre
        fields = ["name", "id_number", "gender", "phone", "position", "political_status"]
        help_texts = {"id_number": "填写后性别由身份证号码得出。"}

    def clean_id_number(self) -> str:
        """GB 11643 checked and normalised; blank on an edit form keeps the stored number."""
        number = self.cleaned_data["id_number"].strip()
        if not number:
            return ""
        try:
            return idnumbers.normalize(number)
        except idnumbers.InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写 11 位手机号码。")
        return phone


class AccountForm(forms.Form):
    username = UsernameField(label="登录用户名")


# What a unit chooses on 调离/借调 (merges and splits write the other kinds).
TRANSFER_KINDS = (TransferKind.TRANSFER, TransferKind.SECONDMENT, TransferKind.RETURN)


class TransferForm(ChineseModelForm):
    """调离/借调: a serving cadre of the unit (the view's `cadres`) to another unit (`units`),
    how and when; the action checks the date against today as the move takes effect."""

    class Meta:
        model = Transfer
        fields = ["cadre", "to_unit", "kind", "date", "note"]

    def __init__(
        self,
        *args: Any,
        cadres: QuerySet[Cadre],
        units: QuerySet[Unit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cadre, to_unit = self.fields["cadre"], self.fields["to_unit"]
        cadre.queryset, cadre.empty_label = cadres, "请选择干部"
        to_unit.queryset, to_unit.empty_label = units, "请选择单位"
        to_unit.label_from_instance = lambda u: f"{u.name}（{u.region.name}）"
        self.fields["kind"].choices = [(k.value, k.label) for k in TRANSFER_KINDS]
        self.fields["date"].initial = timezone.localdate


class DepartForm(forms.Form):
    cadre = forms.ModelChoiceField(label="帮扶干部", queryset=None, empty_label="请选择干部")
    date = forms.DateField(label="离开日期", widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args: Any, cadres: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


UNIT_FIELDS = ["name", "unit_type", "address", "contact_person", "contact_phone"]


class UnitForm(UniqueByAction, ChineseModelForm):
    """单位信息管理 › 添加: the unit with the username of its account."""

    username = UsernameField(label="单位登录用户名")
    unique_by_action = ("name",)

    class Meta:
        model = Unit
        fields = ["name", "unit_type", "region", "address", "contact_person", "contact_phone"]

    def __init__(self, *args: Any, regions: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].empty_label = "请选择县（区）"


class UnitEditForm(UniqueByAction, VersionedModelForm):
    unique_by_action = ("name",)

    class Meta:
        model = Unit
        fields = UNIT_FIELDS


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ticked rows by id; an id beyond a database integer is refused like any other invalid
    choice (the SQLite driver fails on it: a 500)."""

    def _check_values(self, value: Any) -> QuerySet[Any]:
        for pk in value:
            if parse_id(pk) is None and str(pk).strip().lstrip("+-").isdigit():
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class ReorganizeForm(UnitForm):
    mode = forms.ChoiceField(
        label="方式",
        choices=[
            ("merge", "合并（原单位全部在岗干部借调至新单位）"),
            ("split", "拆分（所选干部借调至新单位）"),
        ],
        widget=forms.RadioSelect,
    )
    sources = IdsChoiceField(label="原单位", queryset=None, widget=forms.CheckboxSelectMultiple)
    cadres = IdsChoiceField(
        label="拆分时借调的干部", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    villages = IdsChoiceField(
        label="同时转入新单位的帮扶村",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date = forms.DateField(label="日期", widget=DateInput, initial=timezone.localdate)

    field_order = ["mode", "sources", "cadres", "villages", "date"]

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Any] | None = None,
        cadres: QuerySet[Any] | None = None,
        villages: QuerySet[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = units
        self.fields["cadres"].queryset = cadres
        self.fields["cadres"].label_from_instance = lambda c: f"{c.name}（{c.unit.name}）"
        self.fields["villages"].queryset = villages
        self.fields["villages"].label_from_instance = lambda v: f"{v.village.name}（{v.unit.name}）"


class SurveyForm(VersionedModelForm):
    class Meta:
        model = Survey
        fields = ["wishes", "exit_year", "exit_plan"]
        widgets = {
            "wishes": forms.Textarea(attrs={"rows": 3}),
            "exit_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_exit_year(self) -> int | None:
        year = self.cleaned_data["exit_year"]
        if year is not None and not 2014 <= year <= current_year() + 10:
            raise forms.ValidationError("计划脱贫年度须在 2014 年到十年之后之间。")
        return year


class MeasureForm(ChineseModelForm):
    """A row of 帮扶措施; `id` names the saved measure it edits (none: a new one)."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Measure
        fields = ["kind", "description", "amount", "status", "start_date", "end_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Initial values, so that the blank extra row left as it is counts as unchanged.
        self.fields["amount"].initial = 0
        self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


MeasureFormSet = forms.formset_factory(MeasureForm, extra=1, can_delete=True)


class VisitForm(ChineseModelForm):
    """帮扶日志: the date (not after today), what was done, and a photo; the action checks the
    photo's content (JPEG, PNG or WEBP, by its bytes) as it stores it."""

    CONTENT_MAX = 2000

    photo = forms.FileField(
        label="照片（可选）",
        required=False,
        help_text="JPEG、PNG 或 WEBP，不超过 5 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = VisitLog
        fields = ["date", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "date": {"required": "请填写走访日期。"},
            "content": {"required": "请填写走访内容。"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("走访日期不能晚于今天。")
        return date

    def clean_content(self) -> str:
        content: str = self.cleaned_data["content"]
        if len(content) > self.CONTENT_MAX:
            raise forms.ValidationError(f"走访内容不能超过 {self.CONTENT_MAX} 字。")
        return content


def unit_label(unit: Unit) -> str:
    return f"{unit.name}（{unit.region.name}）"
