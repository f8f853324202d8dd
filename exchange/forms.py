"""The forms of 数据导入 and 导出 (they only validate input; the actions decide)."""

from typing import Any

from django import forms


class ImportForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        help_text="Excel 工作簿（.xlsx）：本系统的导入模板、本系统导出的文件"
        "或全国系统导出的贫困人口花名册。",
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


class ExportForm(forms.Form):
    full = forms.BooleanField(
        label="导出完整的证件号码、联系电话和银行卡号",
        required=False,
        help_text="默认脱敏导出。导出完整信息须填写原因，并记入审计日志。",
    )
    reason = forms.CharField(
        label="导出原因",
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "导出原因不能超过 200 字。"},
    )

    def __init__(self, *args: Any, may_export_full: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_export_full:
            del self.fields["full"]
            del self.fields["reason"]


class DepartmentForm(forms.Form):
    """部门数据比对: which department's list, and the file."""

    department = forms.ChoiceField(
        label="部门数据类别",
        choices=(),
        error_messages={
            "required": "请选择部门数据的类别。",
            "invalid_choice": "请选择部门数据的类别。",
        },
    )
    file = forms.FileField(
        label="部门数据文件",
        help_text="Excel 工作簿（.xlsx），按所选类别的模板列填写；表头须有“姓名”和“身份证号码”。",
        error_messages={
            "required": "请选择要比对的 Excel 文件（.xlsx）。",
            "empty": "文件是空的，请选择要比对的 Excel 文件。",
            "invalid": "请选择要比对的 Excel 文件（.xlsx）。",
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "请选择"), *choices]  # type: ignore[attr-defined]
