"""Forms of the units pages: they only validate input; choice fields are narrowed to the
account's slice by the view that builds them."""

from django import forms
from django.utils import timezone

from .models import (
    Gender,
    MeasureKind,
    MeasureStatus,
    PoliticalStatus,
    TransferKind,
    Unit,
    UnitType,
)


class DateInput(forms.DateInput):
    """<input type=date> wants ISO dates whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class VillageChoiceField(forms.ModelChoiceField):
    """A village of the county, named with its township: a county has villages of the same
    name in several townships (于都县 has two 东方红居委会)."""

    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}"


class VillageLinkForm(forms.Form):
    village = VillageChoiceField(label="帮扶村", queryset=None, empty_label="请选择村")
    plan = forms.CharField(
        label="帮扶规划", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages.select_related("parent")


class PlansForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    plan_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    plan = forms.CharField(
        label="帮扶规划", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    annual_plan = forms.CharField(
        label="年度帮扶计划", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))


class HouseholdLinkForm(forms.Form):
    unit = forms.ModelChoiceField(label="帮扶单位", queryset=None, empty_label="请选择单位")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class CadreForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号码", max_length=18, required=False, help_text="填写后性别由身份证号码得出。"
    )
    gender = forms.ChoiceField(
        label="性别", choices=[("", "—")] + list(Gender.choices), required=False
    )
    phone = forms.CharField(label="手机号码", max_length=11, required=False)
    position = forms.CharField(label="职务", max_length=50, required=False)
    political_status = forms.ChoiceField(
        label="政治面貌", choices=[("", "—")] + list(PoliticalStatus.choices), required=False
    )


class AccountForm(forms.Form):
    username = forms.CharField(label="登录用户名", max_length=30)


class TransferForm(forms.Form):
    cadre = forms.ModelChoiceField(label="帮扶干部", queryset=None, empty_label="请选择干部")
    to_unit = forms.ModelChoiceField(label="调入单位", queryset=None, empty_label="请选择单位")
    kind = forms.ChoiceField(
        label="方式",
        choices=[
            (k.value, k.label)
            for k in (TransferKind.TRANSFER, TransferKind.SECONDMENT, TransferKind.RETURN)
        ],
    )
    date = forms.DateField(label="日期", widget=DateInput, initial=timezone.localdate)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, cadres=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres
        self.fields["to_unit"].queryset = units


class DepartForm(forms.Form):
    cadre = forms.ModelChoiceField(label="帮扶干部", queryset=None, empty_label="请选择干部")
    date = forms.DateField(label="离开日期", widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    unit_type = forms.ChoiceField(label="单位类型", choices=UnitType.choices)
    region = forms.ModelChoiceField(label="所属区域", queryset=None, empty_label="请选择县（区）")
    address = forms.CharField(label="单位地址", max_length=200, required=False)
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    username = forms.CharField(label="单位登录用户名", max_length=30)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class UnitEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="单位名称", max_length=100)
    unit_type = forms.ChoiceField(label="单位类型", choices=UnitType.choices)
    address = forms.CharField(label="单位地址", max_length=200, required=False)
    contact_person = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Ticked rows by id; an id beyond a database integer is refused like any other invalid
    choice (the SQLite driver fails on it: a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django's own check refuses it
            if not 0 < number < 2**63:
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

    def __init__(self, *args, units=None, cadres=None, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = units
        self.fields["cadres"].queryset = cadres
        self.fields["cadres"].label_from_instance = lambda c: f"{c.name}（{c.unit.name}）"
        self.fields["villages"].queryset = villages
        self.fields["villages"].label_from_instance = lambda v: f"{v.village.name}（{v.unit.name}）"


class SurveyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    wishes = forms.CharField(
        label="发展意愿", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    exit_year = forms.IntegerField(label="计划脱贫年度", required=False, min_value=2014)
    exit_plan = forms.CharField(
        label="脱贫计划说明", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class MeasureForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label="措施类型", choices=[("", "—")] + list(MeasureKind.choices))
    description = forms.CharField(label="措施内容", max_length=300)
    amount = forms.DecimalField(label="金额（元）", max_digits=12, decimal_places=2, initial=0)
    # An initial value, so that the blank extra row left as it is counts as unchanged.
    status = forms.ChoiceField(
        label="落实情况", choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED
    )
    start_date = forms.DateField(label="开始日期", widget=DateInput, required=False)
    end_date = forms.DateField(label="结束日期", widget=DateInput, required=False)


MeasureFormSet = forms.formset_factory(MeasureForm, extra=1, can_delete=True)


class VisitForm(forms.Form):
    date = forms.DateField(label="走访日期", widget=DateInput, initial=timezone.localdate)
    content = forms.CharField(label="走访内容", widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label="照片（可选）",
        required=False,
        help_text="JPEG、PNG 或 WEBP，不超过 5 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def unit_label(unit: Unit) -> str:
    return f"{unit.name}（{unit.region.name}）"
