"""Forms of login and account management. The account records' forms are model forms on the
core's Chinese base; the account actions keep what needs the database and the locked rows
(a free username, the slice, a phone registered elsewhere, the password rules)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import QuerySet

from poverty_system.core import access
from poverty_system.core.forms import ChineseModelForm, UniqueByAction, VersionedModelForm
from poverty_system.core.roles import MANAGE_NATURAL_VILLAGES, ROLE_REGION_LEVELS, Role
from poverty_system.core.text import PHONE_PATTERN

from .accounts import CONFIRM_REASSIGN
from .models import NaturalVillage, Region, User, VillagePhone, VillagePopulation

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
USERNAME_INVALID = "用户名须为 3–30 位字母、数字、下划线、点或短横线。"


class UsernameField(forms.RegexField):
    """The login name of a new account: 3–30 letters, digits, _ . or - (the account action
    checks that no account has it, whatever the case)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "用户名")
        super().__init__(USERNAME_RE, error_messages={"invalid": USERNAME_INVALID}, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The pattern's one message covers the length too; the browser stops at 30.
        return {**super().widget_attrs(widget), "maxlength": "30"}


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


class AccountForm(UniqueByAction, ChineseModelForm):
    """添加系统用户: an office or village account of a role the actor may create, on one region
    of its slice (the choices)."""

    username = UsernameField(help_text="登录用，3–30 位字母、数字、下划线、点或短横线。")
    region = forms.ModelChoiceField(
        label="所属区域",
        queryset=Region.objects.none(),
        empty_label="请选择区域",
        widget=RegionSelect,
        error_messages={"invalid_choice": "请选择辖区内的区域。", "required": "请选择所属区域。"},
    )
    unique_by_action = ("username",)

    class Meta:
        model = User
        fields = ["role", "username", "full_name"]
        labels = {"role": "所属角色", "full_name": "机构名称/姓名"}

    def __init__(
        self,
        *args: Any,
        actor: AnyUser,
        regions_for_role: Callable[[list[str]], QuerySet[Region]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        roles = access.creatable_roles(actor)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        self.fields["full_name"].required = True
        # Region choices: every region of a creatable level inside the actor's slice.
        levels = sorted({level for r in roles for level in ROLE_REGION_LEVELS[r]})
        self.fields["region"].queryset = regions_for_role(levels)
        self.fields["region"].label_from_instance = lambda r: (
            f"{r.name}（{r.get_level_display()} {r.code}）"
        )
        self.fields["region"].widget.attrs.update(
            {
                "data-role-field": "role",
                "data-levels-by-role": json.dumps({r: ROLE_REGION_LEVELS[r] for r in roles}),
            }
        )


class PhoneForm(ChineseModelForm):
    """登记手机号 of a village account: the number and who uses it. A number active on another
    village account needs the explicit confirmation (the action asks for it)."""

    phone = forms.RegexField(
        label="手机号码",
        regex=PHONE_PATTERN,
        error_messages={"invalid": "请输入 11 位手机号码。"},
    )
    confirm_reassign = forms.BooleanField(
        label=CONFIRM_REASSIGN,
        required=False,
        help_text="该号码已登记在其他村级账号下；确认后本次登记将记入审计日志。",
    )

    class Meta:
        model = VillagePhone
        fields = ["phone", "holder"]
        error_messages = {"holder": {"max_length": "使用人不能超过 50 字。"}}

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

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"


class PopulationForm(VersionedModelForm):
    """村农村人口 (贫困发生率's denominator); the action checks the range and the version."""

    class Meta:
        model = VillagePopulation
        fields = ["rural_population"]
        help_texts = {"rural_population": "本村农村户籍人口（人），用于计算贫困发生率。"}


class NaturalVillageForm(UniqueByAction, VersionedModelForm):
    """自然村（村民小组）信息 (the national 自然村信息表's columns); a name taken in the village is
    refused by the action."""

    unique_by_action = ("name",)

    class Meta:
        model = NaturalVillage
        fields = ["name", "households", "population", "has_road", "has_water", "has_power"]


class NaturalVillageAddForm(NaturalVillageForm):
    village = forms.ModelChoiceField(
        label="所属村",
        queryset=Region.objects.none(),
        empty_label="请选择村",
        error_messages={"required": "请选择所属村。", "invalid_choice": "请选择辖区内的村。"},
    )

    def __init__(self, *args: Any, user: AnyUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        villages = access.filter_regions(
            Region.objects.filter(level="village"), user, MANAGE_NATURAL_VILLAGES
        ).order_by("code")
        field = self.fields["village"]
        field.queryset = villages  # type: ignore[attr-defined]
        self.order_fields(["village"])
