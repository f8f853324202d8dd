import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import QuerySet

from poverty_system.core import access
from poverty_system.core.roles import ROLE_REGION_LEVEL, Role
from poverty_system.core.text import PHONE_PATTERN

from .models import Region


class LoginForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PhoneChoiceForm(forms.Form):
    phone = forms.TypedChoiceField(
        label="验证手机号",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择本村登记的手机号码。"},
    )

    def __init__(self, *args: Any, phones: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].choices = [(p.pk, f"{p.masked}（{p.holder}）") for p in phones]


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="短信验证码",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": "验证码为 6 位数字。", "required": "请输入短信验证码。"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields[
            "new_password1"
        ].help_text = (
            "至少 8 位；包含大写字母、小写字母、数字、特殊字符中的至少三类；不能包含用户名。"
        )
        self.fields["new_password2"].label = "确认新密码"


class RegionSelect(forms.Select):
    """Each region <option> carries data-level, so that static/js/app.js can offer only the
    level the chosen role sits on: a county has dozens of townships and hundreds of villages."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        region = getattr(value, "instance", None)
        if region is not None:
            option["attrs"]["data-level"] = region.level
        return option


class AccountForm(forms.Form):
    role = forms.ChoiceField(label="所属角色")
    username = forms.CharField(
        label="用户名", max_length=30, help_text="登录用，3–30 位字母、数字、下划线、点或短横线。"
    )
    full_name = forms.CharField(label="机构名称/姓名", max_length=100)
    region = forms.ModelChoiceField(
        label="所属区域",
        queryset=Region.objects.none(),
        empty_label="请选择区域",
        widget=RegionSelect,
        error_messages={"invalid_choice": "请选择辖区内的区域。", "required": "请选择所属区域。"},
    )

    def __init__(
        self,
        *args: Any,
        actor: Any,
        regions_for_role: Callable[[list[str]], QuerySet[Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        roles = access.creatable_roles(actor)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        # Region choices: every region of a creatable level inside the actor's slice.
        levels = [ROLE_REGION_LEVEL[r] for r in roles]
        self.fields["region"].queryset = regions_for_role(levels)
        self.fields["region"].label_from_instance = lambda r: (
            f"{r.name}（{r.get_level_display()} {r.code}）"
        )
        self.fields["region"].widget.attrs.update(
            {
                "data-role-field": "role",
                "data-levels-by-role": json.dumps({r: ROLE_REGION_LEVEL[r] for r in roles}),
            }
        )


class PhoneForm(forms.Form):
    phone = forms.RegexField(
        label="手机号码",
        regex=PHONE_PATTERN,
        error_messages={"invalid": "请输入 11 位手机号码。"},
    )
    holder = forms.CharField(
        label="使用人", max_length=50, error_messages={"max_length": "使用人不能超过 50 字。"}
    )
    confirm_reassign = forms.BooleanField(
        label="确认转登记",
        required=False,
        help_text="该号码已登记在其他村级账号下；确认后本次登记将记入审计日志。",
    )

    def __init__(self, *args: Any, confirm: bool = False, **kwargs: Any) -> None:
        """The confirmation shows only when asked for (`confirm`) or already posted."""
        super().__init__(*args, **kwargs)
        if not confirm and "confirm_reassign" not in self.data:
            del self.fields["confirm_reassign"]


class AccountRegionForm(forms.Form):
    region = forms.ModelChoiceField(
        label="增加管辖区域",
        queryset=Region.objects.none(),
        empty_label="请选择区域",
        error_messages={"invalid_choice": "请选择辖区内的区域。", "required": "请选择区域。"},
    )

    def __init__(self, *args: Any, regions: QuerySet[Any] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
