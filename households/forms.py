"""Forms of the registration parts, members, claims, natural changes, removal and split.

Forms only validate input; the actions in households.services decide and write. Choices of
regions and members are narrowed by the view to the account's slice and the household.
"""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from poverty_system.core.forms import ChineseModelForm, VersionedModelForm
from poverty_system.core.text import MOBILE
from villages.natural import active_groups

from . import idnumbers, validators
from .choices import ADD_CHANGES, REMOVE_CHANGES, Cause, Relation
from .models import INCOME_FIELDS, Household, Member
from .services import MEMBER_FIELDS

PHONE_RE = re.compile(r"^(" + MOBILE + r"|0\d{2,3}-?\d{7,8})$")  # a mobile or a landline
BANK_ACCOUNT_RE = re.compile(r"^\d{8,30}$")


class MonthField(forms.DateField):
    """年月 (change month): an <input type=month>, stored as the first day of the month. The
    actions refuse a month after this one (变更年月不能晚于本月)."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {
        "invalid": "请按“年-月”填写，例如 2016-05。",
        "required": "请填写变更年月。",
    }

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.replace(day=1) if value else value


# --- the seven parts --------------------------------------------------------------------


class BasicForm(VersionedModelForm):
    """Part 1 · 家庭基本情况 (household fields; the members are MemberFormSet)."""

    class Meta:
        model = Household
        fields = ["group", "attribute", "standard", "phone", "bank_name", "bank_account"]

    def __init__(self, *args: Any, villages: QuerySet[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.groups = active_groups([self.instance.village_id])
        else:
            self.groups = active_groups(villages if villages is not None else [])
        if self.groups:  # a village without its list yet keeps the typed 村民小组
            self.fields["group"] = self._group_field()
        if villages is not None and len(villages) > 1:
            self.fields = {
                "village": forms.ModelChoiceField(
                    label="所属村",
                    queryset=villages,
                    empty_label="请选择村",
                    error_messages={
                        "invalid_choice": "请选择本账号所辖的村。",
                        "required": "请选择所属村。",
                    },
                ),
                **self.fields,
            }

    def _group_field(self) -> forms.ChoiceField:
        """村民小组: chosen from the village's active natural villages (自然村信息管理) once the
        village has listed them; a name typed before stays on offer for its household, marked
        (the text is kept as it is, no data is rewritten)."""
        names = list(dict.fromkeys(name for names in self.groups.values() for name in names))
        choices = [("", "请选择村民小组"), *((name, name) for name in names)]
        kept = self.instance.group
        if kept and kept not in names:
            choices.append((kept, f"{kept}（原填写，不在本村现有自然村中）"))
        return forms.ChoiceField(
            label="村民小组",
            choices=choices,
            required=False,
            help_text="从本村的自然村（村民小组）中选择；列表在“自然村信息管理”中维护。",
            error_messages={"invalid_choice": "请从本村的自然村（村民小组）中选择。"},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        group, village = data.get("group"), data.get("village")
        chosen = self.groups and village is not None
        if group and chosen and group not in self.groups.get(village.pk, []):
            self.add_error("group", "请从所选村的自然村（村民小组）中选择。")
        return data

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写 11 位手机号码或带区号的固定电话。")
        return phone

    def clean_bank_account(self) -> str:
        account = self.cleaned_data["bank_account"].replace(" ", "")
        if account and not BANK_ACCOUNT_RE.match(account):
            raise forms.ValidationError("银行账号应为 8–30 位数字。")
        return account


class ProductionForm(VersionedModelForm):
    class Meta:
        model = Household
        fields = [
            "arable_area",
            "irrigated_area",
            "forest_area",
            "returned_farmland_area",
            "pasture_area",
            "water_surface_area",
            "has_production_power",
            "has_household_power",
            "drinking_water_safe",
            "drinking_water_difficult",
            "distance_to_road_km",
            "road_type",
            "housing_area",
            "house_danger",
            "has_sanitary_toilet",
            "main_fuel",
            "in_cooperative",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        arable, irrigated = data.get("arable_area"), data.get("irrigated_area")
        if arable is not None and irrigated is not None and irrigated > arable:
            self.add_error("irrigated_area", "有效灌溉面积不能大于耕地面积。")
        return data


NEGATIVE_INCOME_CONFIRM = "确认生产经营性支出大于收入"


class IncomeForm(VersionedModelForm):
    """Part 3. A per-capita net income that comes out negative (costs above income) is saved
    only when confirmed with the checkbox the form then shows, next to a warning."""

    class Meta:
        model = Household
        fields = list(INCOME_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        negative = self._net_from_data() < 0 if self.is_bound else False
        if negative or self.instance.net_income_per_capita < 0:
            self.fields["confirm_negative_income"] = forms.BooleanField(
                label=NEGATIVE_INCOME_CONFIRM,
                required=False,
                help_text="人均纯收入为负数的户会列入数据质量检查（人均纯收入为负）。",
            )

    def _net_from_data(self) -> Decimal:
        """收入 − 支出 as typed (before validation), for showing the checkbox; 0 if unreadable."""
        total = Decimal("0")
        for name in INCOME_FIELDS:
            try:
                value = Decimal(str(self.data.get(self.add_prefix(name)) or "0").strip())
            except ArithmeticError:
                return Decimal("0")
            if not value.is_finite():
                return Decimal("0")
            total += -value if name == "production_costs" else value
        return total

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name not in data for name in INCOME_FIELDS):
            return data
        net = (
            sum(data[n] for n in INCOME_FIELDS if n != "production_costs")
            - data["production_costs"]
        )
        data["negative_income"] = net < 0 and self.instance.size > 0
        if data["negative_income"] and not data.get("confirm_negative_income"):
            self.add_error(
                "confirm_negative_income" if "confirm_negative_income" in self.fields else None,
                f"生产经营性支出大于收入，人均纯收入将为负数（{net / self.instance.size:.2f} 元）。"
                f"请核对；确实如此请勾选“{NEGATIVE_INCOME_CONFIRM}”后保存。",
            )
        return data


class CausesForm(VersionedModelForm):
    other_causes = forms.MultipleChoiceField(
        label="其他致贫原因",
        choices=Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "请从列表中选择致贫原因。"},
    )

    class Meta:
        model = Household
        fields = ["main_cause", "other_causes", "cause_note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["main_cause"].required = True
        self.fields["main_cause"].error_messages["required"] = "请选择主要致贫原因。"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        main, others = data.get("main_cause"), data.get("other_causes") or []
        if main and main in others:
            self.add_error("other_causes", "其他致贫原因不能与主要致贫原因相同。")
        if Cause.OTHER in [main, *others] and not data.get("cause_note", "").strip():
            self.add_error("cause_note", "选择“其他”时请填写致贫原因说明。")
        return data


class ApplicationForm(VersionedModelForm):
    all_required = True

    class Meta:
        model = Household
        fields = ["application_statement", "application_date"]
        widgets = {"application_statement": forms.Textarea(attrs={"rows": 4})}


class SurveyForm(VersionedModelForm):
    all_required = True

    class Meta:
        model = Household
        fields = ["survey_by", "survey_date", "survey_findings"]
        widgets = {"survey_findings": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        applied, surveyed = self.instance.application_date, data.get("survey_date")
        if applied and surveyed and surveyed < applied:
            self.add_error("survey_date", "调查日期不能早于申请日期。")
        return data


APPROVAL_STEPS = [
    ("appraisal_date", "appraisal_result"),
    ("first_publicity_date", "first_publicity_result"),
    ("township_review_date", "township_review_result"),
    ("second_publicity_date", "second_publicity_result"),
    ("county_approval_date", "county_approval_result"),
]


class ApprovalForm(VersionedModelForm):
    """Part 7 · 扶贫对象审批表: the five steps, each dated no earlier than the one before."""

    all_required = True

    class Meta:
        model = Household
        fields = [name for step in APPROVAL_STEPS for name in step]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        previous, previous_label = self.instance.survey_date, "调查日期"
        for date_name, _ in APPROVAL_STEPS:
            date = data.get(date_name)
            label = self.fields[date_name].label
            if date and previous and date < previous:
                self.add_error(date_name, f"{label}不能早于{previous_label}。")
            if date:
                previous, previous_label = date, label
        return data


PART_FORMS = {
    1: BasicForm,
    2: ProductionForm,
    3: IncomeForm,
    4: CausesForm,
    5: ApplicationForm,
    6: SurveyForm,
    7: ApprovalForm,
}


# --- members ----------------------------------------------------------------------------


class MemberForm(ChineseModelForm):
    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        help_texts = {"id_number": "18 位（15 位旧号码自动升级）；性别、出生日期由号码得出。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].max_length = 20
        self.fields["id_number"].widget.attrs.update(maxlength=20, autocomplete="off")

    def clean_id_number(self) -> str:
        try:
            return idnumbers.normalize(self.cleaned_data["id_number"])
        except idnumbers.InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_months_away(self):
        months = self.cleaned_data["months_away"]
        if months is not None and months > 12:
            raise forms.ValidationError("务工时间为一年内的月数，不能超过 12。")
        return months

    def _get_validation_exclusions(self) -> set[str]:
        # ID uniqueness is checked by the action, which names the household holding it.
        return {*super()._get_validation_exclusions(), "id_number"}


class BaseMemberFormSet(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError("请至少填写户主的信息。")

    def filled_forms(self) -> list:
        """The rows of saved members and the new rows filled in, in order."""
        return [form for form in self.forms if form.instance.pk or form.has_changed()]

    def rows(self) -> list:
        """(member or None, data) of the filled rows, in order."""
        return [
            (
                form.instance if form.instance.pk else None,
                {name: form.cleaned_data[name] for name in MEMBER_FIELDS},
            )
            for form in self.filled_forms()
        ]


def member_formset(extra: int):
    return forms.modelformset_factory(
        Member, form=MemberForm, formset=BaseMemberFormSet, extra=extra, can_delete=False
    )


# --- natural changes, claims, removal, split --------------------------------------------


class AddMemberForm(MemberForm):
    change = forms.ChoiceField(
        label="新增原因", choices=[("", "请选择")] + [(c.value, c.label) for c in ADD_CHANGES]
    )
    change_month = MonthField(label="变更年月")
    change_note = forms.CharField(
        label="变更说明",
        max_length=200,
        required=False,
        error_messages={"max_length": validators.max_length_message(200)},
    )


class RemoveMemberForm(forms.Form):
    member = forms.ModelChoiceField(
        label="减少的成员",
        queryset=Member.objects.none(),
        empty_label="请选择成员",
        error_messages={
            "required": "请选择减少的成员。",
            "invalid_choice": "请选择该户的在册成员。",
        },
    )
    change = forms.ChoiceField(
        label="减少原因",
        choices=[("", "请选择")] + [(c.value, c.label) for c in REMOVE_CHANGES],
        error_messages={"required": "请选择减少原因。"},
    )
    change_month = MonthField(label="变更年月")
    change_note = forms.CharField(
        label="变更说明",
        max_length=200,
        required=False,
        error_messages={"max_length": validators.max_length_message(200)},
    )
    new_head = forms.ModelChoiceField(
        label="新户主",
        queryset=Member.objects.none(),
        empty_label="请选择新户主",
        required=False,
        help_text="减少户主而该户仍有其他在册成员时，须同时指定新户主。",
        error_messages={"invalid_choice": "请选择该户的在册成员。"},
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["new_head"].queryset = members.exclude(relation=Relation.HEAD)
        for name in ("member", "new_head"):
            self.fields[name].label_from_instance = lambda m: (
                f"{m.name}（{m.get_relation_display()}）"
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写原因。", "max_length": "原因不能超过 200 字。"},
    )

    def __init__(self, *args: Any, label: str = "原因", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].error_messages["required"] = f"请填写{label}。"


class SplitForm(forms.Form):
    """分户: tick the members who leave, choose the new head and the others' relation to him."""

    new_head = forms.TypedChoiceField(
        label="新户户主",
        coerce=int,
        error_messages={"required": "请选择新户户主。", "invalid_choice": "请选择分出的成员。"},
    )
    change_month = MonthField(label="分户年月")

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = [m for m in members if m.relation != Relation.HEAD]
        self.fields["new_head"].choices = [("", "请选择")] + [(m.pk, m.name) for m in self.members]
        relations = [("", "与新户主关系")] + [c for c in Relation.choices if c[0] != Relation.HEAD]
        for m in self.members:
            self.fields[f"move_{m.pk}"] = forms.BooleanField(label=f"分出 {m.name}", required=False)
            self.fields[f"relation_{m.pk}"] = forms.ChoiceField(
                label=f"{m.name}与新户主关系", choices=relations, required=False
            )

    def member_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(m, self[f"move_{m.pk}"], self[f"relation_{m.pk}"]) for m in self.members]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        moves = {
            m.pk: data.get(f"relation_{m.pk}", "") for m in self.members if data.get(f"move_{m.pk}")
        }
        head = data.get("new_head")
        if not moves:
            raise forms.ValidationError("请勾选要分出的成员（户主不能分出）。")
        if head is not None and head not in moves:
            self.add_error("new_head", "新户主须是勾选分出的成员之一。")
        for m in self.members:
            if m.pk in moves and m.pk != head and not moves[m.pk]:
                self.add_error(f"relation_{m.pk}", f"请选择{m.name}与新户主的关系。")
        data["moves"] = moves
        return data


class ClaimSearchForm(forms.Form):
    """The search box of 贫困户认领管理 (households.search): what it shows back, never a full
    ID number."""

    q = forms.CharField(
        label="户编号/户主姓名/身份证号码",
        required=False,
        max_length=30,
        error_messages={"max_length": "不能超过 30 字。"},
        widget=forms.TextInput(
            attrs={"placeholder": "户编号后四位、姓名或身份证号", "autocomplete": "off"}
        ),
    )
