"""Account actions: create accounts of a role on regions, manage village phone numbers.

Each action checks the actor through the access layer, validates, runs in one transaction
and raises AccountError with a Chinese message.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from guardian.shortcuts import assign_perm

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.formatting import mask_phone
from poverty_system.core.roles import (
    MANAGE_ACCOUNTS,
    ROLE_REGION_LEVELS,
    SLICE,
    VIEW,
    Role,
)

from .access import filter_manageable_accounts, filter_phone_managed_accounts
from .models import LoginThrottle, Region, User, VillagePhone

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


class AccountError(ActionError):
    """A refused account action, with the Chinese message and the form field it belongs to."""


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
    """Add each region (with its whole subtree) to `user`'s slice: one `view_slice` grant per
    region. What the account may do there follows from its role (roles.ROLE_PERMS)."""
    for region in regions:
        assign_perm(f"villages.{SLICE}", user, region)
    access.forget_grants(user)


def check_can_create(user: AnyUser, role: str, regions: list[Region]) -> None:
    if role not in access.creatable_roles(user):
        raise PermissionDenied
    if not regions:
        raise AccountError("请选择所属区域。", "regions")
    levels = ROLE_REGION_LEVELS[Role(role)]
    for region in regions:
        if region.level not in levels:
            level_label = "、".join(Region(level=level).get_level_display() for level in levels)
            raise AccountError(
                f"{Role(role).label}只能设在{level_label}级区域，"
                f"“{region.name}”是{region.get_level_display()}。",
                "regions",
            )
        access.check_region_perm(user, MANAGE_ACCOUNTS, region)


def create_account(
    actor: Actor,
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
    with transaction.atomic(durable=True):
        check_can_create(actor.user, role, regions)
        user, password = new_user(
            actor,
            username=username,
            role=role,
            full_name=full_name,
            password=password,
            must_change_password=must_change_password,
        )
        grant_role(user, regions)
        _audit_grant(actor, user, regions, created=True)
    return user, password


# The officers set up from the server's command line (manage.py create_officer): no account
# page creates them, so no officer gives itself or a peer a separation role (三员分立).
OFFICER_ROLES = (Role.ADMIN, Role.SECURITY)


def create_officer(actor: Actor, *, username: str, role: str, full_name: str) -> tuple[User, str]:
    """A system or security administrator, created by the operator of the server (an actor of
    a management command, never a web request); returns it with its one-time password, to be
    changed at first login. Audited (授权) with no region: the province's auditor reads it."""
    with transaction.atomic(durable=True):
        if actor.via != "command":
            raise PermissionDenied
        if role not in OFFICER_ROLES:
            raise AccountError("只能用此命令创建系统管理员或安全管理员。", "role")
        user, password = new_user(actor, username=username, role=role, full_name=full_name)
        audit.record(
            actor,
            audit.GRANT,
            obj=user,
            region_code="",
            username=actor.user.get_username() if actor.user.is_authenticated else "system",
            detail={"account": user.username, "role": role, "new_account": True},
        )
    return user, password


def _audit_grant(actor: Actor, account: User, regions: list[Region], *, created: bool) -> None:
    """授权: an account created or given one more region; one entry per region, scoped by it."""
    for region in regions:
        audit.record(
            actor,
            audit.GRANT,
            obj=account,
            region_code=region.code,
            detail={
                "account": account.username,
                "role": account.role,
                "region": region.code,
                "new_account": created,
            },
        )


def new_user(
    actor: Actor,
    *,
    username: str,
    role: str,
    full_name: str,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """The user row of any new account: the username free in any case and the password rules
    checked (its form has checked the name's shape: villages.forms.UsernameField). No
    transaction of its own: the durable actions that create an account (create_account here,
    the units' actions for unit and cadre accounts) call it and grant the slice (regions or
    unit) inside theirs."""
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("该用户名已被使用。", "username")
    password = password or generate_initial_password()
    user = User(
        username=username,
        role=role,
        full_name=full_name.strip(),
        created_by=actor.account_or_none,
        must_change_password=must_change_password,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("；".join(exc.messages), "password") from exc
    user.set_password(password)
    user.save()
    return user, password


def get_managed_account(user: AnyUser, pk: object) -> User:
    """An account `user` manages, or 404 (missing and not-yours look the same)."""
    account: User = get_object_or_404(filter_manageable_accounts(User.objects.all(), user), pk=pk)
    return account


def add_account_region(actor: Actor, account: User, region: Region) -> None:
    """An account may hold several regions: grant its role's set on one more."""
    with transaction.atomic(durable=True):
        get_managed_account(actor.user, account.pk)
        check_can_create(actor.user, account.role, [region])
        if any(held.pk == region.pk for held in account_regions(account)):
            raise AccountError(f"该账号已管辖“{region.name}”。", "region")
        grant_role(account, [region])
        _audit_grant(actor, account, [region], created=False)


def reset_password(actor: Actor, account: User) -> str:
    with transaction.atomic(durable=True):
        get_managed_account(actor.user, account.pk)
        password = generate_initial_password()
        account.set_password(password)
        account.must_change_password = True
        # The new password lifts every lock and count of the account (villages.auth lockout).
        LoginThrottle.objects.filter(username=account.username).delete()
        account.__dict__.pop("locked_until", None)
        account.save(update_fields=["password", "must_change_password"])
        audit.record(
            actor,
            audit.PASSWORD_RESET,
            obj=account,
            region_code=_region_code(account),
            detail={"account": account.username},
        )
    return password


def change_own_password(actor: Actor, password: str) -> User:
    """修改密码: the account sets its own new password (the form has checked the old one and
    the rules, the last 5 passwords included); a forced change (first login, a reset, or a
    password past PASSWORD_MAX_AGE_DAYS) is done. Audited with why it was forced, never with
    the password."""
    with transaction.atomic(durable=True):
        account = actor.user
        if not account.is_authenticated or not account.is_active:
            raise PermissionDenied
        forced = account.must_change_password
        expired = account.password_expired()
        account.set_password(password)
        account.must_change_password = False
        account.save(update_fields=["password", "must_change_password"])
        audit.record(
            actor,
            audit.PASSWORD_CHANGE,
            obj=account,
            region_code=_region_code(account),
            detail={"account": account.username, "forced": forced, "expired": expired},
        )
    return account


def set_active(actor: Actor, account: User, active: bool) -> None:
    with transaction.atomic(durable=True):
        get_managed_account(actor.user, account.pk)
        account.is_active = active
        account.save(update_fields=["is_active"])
        audit.record(
            actor,
            audit.ACCOUNT_ACTIVE,
            obj=account,
            region_code=_region_code(account),
            detail={"account": account.username, "active": active},
        )


def _region_code(account: User) -> str:
    regions = account_regions(account)
    return regions[0].code if regions else ""


def account_regions(account: User) -> list[Region]:
    return regions_by_account([account]).get(account.pk, [])


def regions_by_account(found: Iterable[User]) -> dict[int, list[Region]]:
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


def get_phone_managed_account(user: AnyUser, pk: object) -> User:
    """A village account whose phones `user` manages, or 404 (as get_managed_account)."""
    managed = filter_phone_managed_accounts(User.objects.all(), user)
    account: User = get_object_or_404(managed, pk=pk)
    return account


def add_village_phone(
    actor: Actor,
    account: User,
    *,
    phone: str,
    holder: str,
    confirm_reassign: bool = False,
) -> VillagePhone:
    """Register a phone number for a village account. A number active on another village
    account is registered only with `confirm_reassign` (the form's explicit confirmation),
    and that is audited (手机号转登记) with both accounts; the other registration stays. The
    form (villages.forms.PhoneForm) has checked the number and the holder."""
    with transaction.atomic(durable=True):
        get_phone_managed_account(actor.user, account.pk)
        if account.phones.active().filter(phone=phone).exists():
            raise AccountError("该手机号码已登记在本村账号下。", "phone")
        elsewhere = list(
            VillagePhone.objects.active()
            .filter(phone=phone)
            .exclude(account=account)
            .select_related("account")
            .order_by("pk")
        )
        if elsewhere and not confirm_reassign:
            places = "、".join(_account_place(p.account) for p in elsewhere)
            raise AccountError(
                f"该手机号码已登记在其他村级账号（{places}）下。确需登记到本村账号，"
                f"请勾选“{CONFIRM_REASSIGN}”后再提交，此操作将记入审计日志。",
                "confirm_reassign",
            )
        created = VillagePhone.objects.create(
            account=account, phone=phone, holder=holder, started_by=actor.account
        )
        if elsewhere:
            regions = account_regions(account)
            audit.record(
                actor,
                audit.PHONE_REASSIGN,
                obj=created,
                region_code=regions[0].code if regions else "",
                detail={
                    "phone": mask_phone(phone),
                    "to_account": account.username,
                    "also_on_accounts": [p.account.username for p in elsewhere],
                    "holder": holder,
                },
            )
        return created


CONFIRM_REASSIGN = "确认转登记"


def _account_place(account: User) -> str:
    names = "、".join(r.name for r in account_regions(account))
    return f"{names} {account.username}".strip()


def deactivate_village_phone(actor: Actor, phone: VillagePhone) -> None:
    with transaction.atomic(durable=True):
        get_phone_managed_account(actor.user, phone.account_id)
        if not phone.active:
            return
        phone.end(actor)
        phone.save(update_fields=list(VillagePhone.END_FIELDS))
