"""Account actions: create accounts of a role on regions, manage village phone numbers.

Each action checks the actor through the access layer, validates, runs in one transaction
and raises AccountError with a Chinese message.
"""

import re
import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from guardian.shortcuts import assign_perm

from poverty_system import access
from poverty_system.roles import (
    MANAGE_ACCOUNTS,
    ROLE_REGION_LEVEL,
    ROLE_REGION_PERMS,
    VIEW,
    Role,
)

from .access import filter_manageable_accounts, filter_phone_managed_accounts
from .models import Region, User, VillagePhone

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")


class AccountError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def generate_initial_password() -> str:
    """A random password that meets the rules; the account must change it at first login."""
    # No look-alikes (I l 1 O o 0): the password is read off the screen and passed on by hand.
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1Oo0")
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(10))
        if (
            any(c.islower() for c in body)
            and any(c.isupper() for c in body)
            and any(c.isdigit() for c in body)
        ):
            return body + secrets.choice("@#%&*")


def grant_role(user: User, regions: list[Region]) -> None:
    """Give `user` its role's permission set on each region (the whole subtree)."""
    for region in regions:
        for codename in ROLE_REGION_PERMS[user.role]:
            assign_perm(f"villages.{codename}", user, region)
    access.forget_grants(user)


def check_can_create(actor: User, role: str, regions: list[Region]) -> None:
    if role not in access.creatable_roles(actor):
        raise PermissionDenied
    if not regions:
        raise AccountError("请选择所属区域。", "regions")
    level = ROLE_REGION_LEVEL[role]
    for region in regions:
        if region.level != level:
            level_label = Region(level=level).get_level_display()
            raise AccountError(
                f"{Role(role).label}只能设在{level_label}级区域，"
                f"“{region.name}”是{region.get_level_display()}。",
                "regions",
            )
        if not access.is_admin(actor):
            access.check_region_perm(actor, MANAGE_ACCOUNTS, region)


@transaction.atomic
def create_account(
    actor: User,
    *,
    username: str,
    role: str,
    regions: list[Region],
    full_name: str,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create an office or village account of `role` holding `regions`; returns it with its
    initial password."""
    check_can_create(actor, role, regions)
    user, password = create_user(
        actor,
        username=username,
        role=role,
        full_name=full_name,
        password=password,
        must_change_password=must_change_password,
    )
    grant_role(user, regions)
    return user, password


def create_user(
    actor: User | None,
    *,
    username: str,
    role: str,
    full_name: str,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """The user row of any new account, with username and password rules checked. Callers
    grant the slice (regions or unit) in the same transaction."""
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise AccountError("用户名须为 3–30 位字母、数字、下划线、点或短横线。", "username")
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("该用户名已被使用。", "username")
    password = password or generate_initial_password()
    user = User(
        username=username,
        role=role,
        full_name=full_name.strip(),
        created_by=actor,
        must_change_password=must_change_password,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("；".join(exc.messages), "password") from exc
    user.set_password(password)
    user.save()
    return user, password


def get_managed_account(actor: User, pk) -> User:
    """An account the actor manages, or 404 (missing and not-yours look the same)."""
    return get_object_or_404(filter_manageable_accounts(User.objects.all(), actor), pk=pk)


@transaction.atomic
def add_account_region(actor: User, account: User, region: Region) -> None:
    """An account may hold several regions: grant its role's set on one more."""
    get_managed_account(actor, account.pk)
    check_can_create(actor, account.role, [region])
    if any(held.pk == region.pk for held in account_regions(account)):
        raise AccountError(f"该账号已管辖“{region.name}”。", "region")
    grant_role(account, [region])


@transaction.atomic
def reset_password(actor: User, account: User) -> str:
    get_managed_account(actor, account.pk)
    password = generate_initial_password()
    account.set_password(password)
    account.must_change_password = True
    account.failed_logins, account.locked_until = 0, None
    account.save(
        update_fields=["password", "must_change_password", "failed_logins", "locked_until"]
    )
    return password


@transaction.atomic
def set_active(actor: User, account: User, active: bool) -> None:
    get_managed_account(actor, account.pk)
    account.is_active = active
    account.save(update_fields=["is_active"])


def account_regions(account: User) -> list[Region]:
    return regions_by_account([account]).get(account.pk, [])


def regions_by_account(found) -> dict[int, list[Region]]:
    """The slice regions of many accounts in one query (for lists)."""
    from .models import RegionUserObjectPermission

    result: dict[int, list[Region]] = {}
    grants = (
        RegionUserObjectPermission.objects.filter(
            user__in=[a.pk for a in found], permission__codename=VIEW
        )
        .select_related("content_object")
        .order_by("content_object__code")
    )
    for grant in grants:
        result.setdefault(grant.user_id, []).append(grant.content_object)
    return result


# --- village phone numbers ------------------------------------------------------------


def get_phone_managed_account(actor: User, pk) -> User:
    """A village account whose phones the actor manages, or 404 (as get_managed_account)."""
    return get_object_or_404(filter_phone_managed_accounts(User.objects.all(), actor), pk=pk)


@transaction.atomic
def add_village_phone(actor: User, account: User, *, phone: str, holder: str) -> VillagePhone:
    get_phone_managed_account(actor, account.pk)
    phone = phone.strip()
    if not PHONE_RE.match(phone):
        raise AccountError("请输入 11 位手机号码。", "phone")
    if not holder.strip():
        raise AccountError("请填写使用人姓名。", "holder")
    if account.phones.active().filter(phone=phone).exists():
        raise AccountError("该手机号码已登记在本村账号下。", "phone")
    return VillagePhone.objects.create(
        account=account, phone=phone, holder=holder.strip(), created_by=actor
    )


@transaction.atomic
def deactivate_village_phone(actor: User, phone: VillagePhone) -> None:
    get_phone_managed_account(actor, phone.account_id)
    if not phone.active:
        return
    phone.active = False
    phone.deactivated_at = timezone.now()
    phone.save(update_fields=["active", "deactivated_at"])
