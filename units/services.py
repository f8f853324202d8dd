"""Unit actions. Issue 01 needs creating a unit with its account and a cadre with an account;
the units issue adds linking villages, assignments, transfers and departures here."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from guardian.shortcuts import assign_perm

from poverty_system import access
from poverty_system.roles import MANAGE_UNITS, Role
from villages.accounts import AccountError, create_user
from villages.models import Level, Region, User

from .access import unit_ids
from .models import Cadre, Unit


@transaction.atomic
def create_unit(
    actor: User,
    *,
    name: str,
    region: Region,
    username: str,
    password=None,
    must_change_password: bool = True,
) -> tuple[Unit, User, str]:
    """County office creates a unit (单位信息管理) and its unit account (添加系统用户)."""
    if region.level not in (Level.COUNTY, Level.TOWNSHIP):
        raise AccountError("帮扶单位须设在县（区）或乡镇一级。", "region")
    access.check_region_perm(actor, MANAGE_UNITS, region)
    name = name.strip()
    if Unit.objects.filter(region=region, name=name).exists():
        raise AccountError("该区域已有同名单位。", "name")
    unit = Unit.objects.create(name=name, region=region, created_by=actor)
    account, password = create_user(
        actor,
        username=username,
        role=Role.UNIT,
        full_name=name,
        password=password,
        must_change_password=must_change_password,
    )
    assign_perm("units.manage_unit", account, unit)
    access.forget_grants(account)
    return unit, account, password


@transaction.atomic
def create_cadre_account(
    actor: User,
    unit: Unit,
    *,
    name: str,
    username: str,
    phone: str = "",
    password=None,
    must_change_password: bool = True,
) -> tuple[Cadre, User, str]:
    """Unit account adds a cadre with a login (系统管理 › 添加系统用户)."""
    if unit.pk not in unit_ids(actor) and not access.is_admin(actor):
        raise PermissionDenied
    account, password = create_user(
        actor,
        username=username,
        role=Role.CADRE,
        full_name=name,
        password=password,
        must_change_password=must_change_password,
    )
    cadre = Cadre.objects.create(unit=unit, user=account, name=name.strip(), phone=phone)
    return cadre, account, password
