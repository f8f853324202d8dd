"""Forms of the project library and the fund ledger."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from poverty_system.core import access as core_access
from poverty_system.core.dates import current_year
from poverty_system.core.forms import VersionedModelForm
from villages.models import Region

from .access import PROPOSE_PROJECTS
from .choices import AttachmentKind, MovementKind, Source
from .files import ALLOWED
from .models import Project
from .services.library import EDIT_FIELDS
from .states import Step

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPT = "image/jpeg,image/png,application/pdf"


class ProjectForm(VersionedModelForm):
    places = forms.ModelMultipleChoiceField(
        label="其他实施地点（村）",
        queryset=Region.objects.none(),
        required=False,
        help_text="项目惠及多个村时选择；按住 Ctrl 多选。",
    )

    class Meta:
        model = Project
        fields = list(EDIT_FIELDS)
        widgets = {
            "planned_start": DATE,
            "planned_end": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "link_mechanism": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, county=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("year") is None:  # a new project: this year
            self.initial["year"] = current_year()
        self.fields["year"].widget.attrs.update(min=2014, max=2035)
        self.fields["category"].choices = [("", "请选择…"), *self.fields["category"].choices[1:]]
        unit_field = self.fields["implementing_unit"]
        unit_field.empty_label = "请选择…"
        if county is not None:
            lo, hi = county.code_range
            self.fields["places"].queryset = Region.objects.filter(
                level="village", code__gte=lo, code__lt=hi
            ).order_by("code")
            unit_field.queryset = unit_field.queryset.filter(
                region__tree_id=county.tree_id,
                region__lft__gte=county.lft,
                region__lft__lte=county.rght,
            ).order_by("name")
        else:
            unit_field.queryset = unit_field.queryset.none()
        if self.instance.pk:
            self.fields["places"].initial = list(self.instance.places.all())

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2014 <= year <= 2035:
            raise forms.ValidationError("年度须在 2014 至 2035 之间。")
        return year


class AddProjectForm(ProjectForm):
    region = forms.ModelChoiceField(
        label="实施地点（村）",
        queryset=Region.objects.none(),
        empty_label="请选择村",
        error_messages={"required": "请选择村。", "invalid_choice": "请选择辖区内的村。"},
    )

    def __init__(self, *args, user=None, **kwargs):
        villages = core_access.filter_regions(Region.objects.filter(level="village"), user)
        if not core_access.role_allows(user, PROPOSE_PROJECTS):
            villages = villages.none()
        first = villages.order_by("code").first()
        county = first.get_ancestors().filter(level="county").first() if first else None
        super().__init__(*args, county=county, **kwargs)
        self.fields["region"].queryset = villages.order_by("code")
        if villages.count() == 1:
            self.fields["region"].initial = first
        self.order_fields(["region"])


def step_form(step: Step, data=None, files=None) -> forms.Form:
    """The form of one step: its document number, date, note, the notice's dates and the
    attachments it needs."""
    fields: dict[str, forms.Field] = {}
    if step.code == "propose":
        fields["notice_start"] = forms.DateField(label="村级公示开始日期", widget=DATE)
        fields["notice_end"] = forms.DateField(label="村级公示结束日期", widget=DATE)
    if step.doc_number:
        fields["doc_number"] = forms.CharField(label=step.doc_number, max_length=60)
    if step.doc_date:
        fields["doc_date"] = forms.DateField(
            label=step.doc_date, widget=DATE, initial=timezone.localdate
        )
    if step.note:
        fields["note"] = forms.CharField(
            label=step.note,
            max_length=500,
            required=step.note_required,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    for kind in step.required + step.optional:
        fields[f"file_{kind}"] = forms.FileField(
            label=AttachmentKind(kind).label + ("" if kind in step.required else "（可选）"),
            required=kind in step.required,
            help_text=f"{ALLOWED}，不超过 10 MB。",
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        )
    form_class = type(f"{step.code.title()}Form", (forms.Form,), fields)
    form = form_class(data, files, prefix=step.code)
    for name, field in form.fields.items():
        field.error_messages["required"] = (
            f"请填写{field.label}。" if not name.startswith("file_") else f"请上传{field.label}。"
        )
    return form


def step_data(step: Step, form: forms.Form) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("file_")}
    data["files"] = {
        kind: form.cleaned_data.get(f"file_{kind}") for kind in step.required + step.optional
    }
    return data


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[("", "请选择…"), *MovementKind.choices])
    source = forms.ChoiceField(label="资金来源", choices=[("", "请选择…"), *Source.choices])
    project = forms.ModelChoiceField(
        label="项目",
        queryset=Project.objects.none(),
        required=False,
        empty_label="（到账、退回不选）",
    )
    amount = forms.DecimalField(label="金额（元）", max_digits=14, decimal_places=2, min_value=0.01)
    date = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    doc_number = forms.CharField(label="文号/凭证号", max_length=60)
    note = forms.CharField(label="摘要", max_length=200, required=False)

    def __init__(self, *args, county=None, **kwargs):
        super().__init__(*args, **kwargs)
        if county is not None:
            self.fields["project"].queryset = Project.objects.filter(
                county_code=county.code
            ).order_by("-year", "number")
        self.fields["project"].error_messages["invalid_choice"] = "请选择本县的项目。"


class ImportForm(forms.Form):
    """项目导入 / 资金导入: the file only; projects.services.imports checks its content."""

    file = forms.FileField(
        label="导入文件",
        help_text="Excel 工作簿（.xlsx）：本系统的导入模板或本系统导出的文件。",
        error_messages={
            "required": "请选择要导入的 Excel 文件（.xlsx）。",
            "empty": "文件是空的，请选择要导入的 Excel 文件。",
            "invalid": "请选择要导入的 Excel 文件（.xlsx）。",
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
