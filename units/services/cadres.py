"""帮扶干部信息管理: a unit adds and edits its cadres and creates their login accounts."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from households import idnumbers
from poverty_system.core import audit, changelog, versioning
from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages import accounts
from villages.models import User

from .. import access as unit_access
from ..models import Cadre, Unit
from .base import UnitError

CADRE_FIELDS = ("name", "gender", "id_number", "phone", "position", "political_status")


def cadre_data(data: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, str]:
    """The cadre fields of a valid form (units.forms.CadreForm): the gender taken from the ID
    number, which no other cadre may hold (checked here, beside the unique constraint)."""
    out = {f: (data.get(f) or "").strip() for f in CADRE_FIELDS}
    if out["id_number"]:
        out["gender"] = idnumbers.gender(out["id_number"])
        same = Cadre.objects.filter(id_number=out["id_number"])
        if exclude_pk is not None:
            same = same.exclude(pk=exclude_pk)
        if same.exists():
            raise UnitError("该身份证号码已登记为其他帮扶干部。", "id_number")
    return out


def add_cadre(actor: Actor, unit: Unit, data: dict[str, Any]) -> Cadre:
    with transaction.atomic(durable=True):
        unit = unit_access.get_unit_for_user(actor.user, unit.pk, manage=True)
        cadre = Cadre(unit=unit, **cadre_data(data))
        try:
            with transaction.atomic():
                changelog.save(actor, cadre, reason="添加帮扶干部")
        except IntegrityError:
            raise UnitError("该身份证号码已登记为其他帮扶干部。", "id_number") from None
    return cadre


def update_cadre(actor: Actor, cadre: Cadre, data: dict[str, Any], *, version: object) -> Cadre:
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            actor.user, cadre.pk, manage=True, queryset=Cadre.objects.select_for_update()
        )
        if not locked.serving:
            raise UnitError("该干部已离开，记录不能再修改。")
        versioning.check_version(locked, version, what="该干部信息")
        if not (data.get("id_number") or "").strip():
            # Edit forms never carry the full ID number back: blank keeps the stored one.
            data = {**data, "id_number": locked.id_number}
        clean = cadre_data(data, exclude_pk=locked.pk)
        changed = [f for f in CADRE_FIELDS if getattr(locked, f) != clean[f]]
        for field in changed:
            setattr(locked, field, clean[field])
        if changed:
            versioning.bump(locked)
            changelog.save(
                actor, locked, reason="修改帮扶干部信息", update_fields=[*changed, "version"]
            )
    return locked


def create_cadre_login(
    actor: Actor,
    cadre: Cadre,
    *,
    username: str,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """系统管理 › 添加系统用户: a login (role cadre) for a serving cadre without one."""
    with transaction.atomic(durable=True):
        locked = unit_access.get_cadre_for_user(
            actor.user, cadre.pk, manage=True, queryset=Cadre.objects.select_for_update()
        )
        if not locked.serving:
            raise UnitError("该干部已离开，不能创建登录账号。")
        if locked.user_id is not None:
            raise UnitError("该干部已有登录账号。", "username")
        account, password = accounts.new_user(
            actor,
            username=username,
            role=Role.CADRE,
            full_name=locked.name,
            password=password,
            must_change_password=must_change_password,
        )
        locked.user = account
        changelog.save(actor, locked, reason="创建登录账号", update_fields=["user"])
        audit.record(
            actor,
            audit.GRANT,
            obj=locked,
            region_code=locked.unit.region.code,
            detail={"cadre": locked.name, "account": account.username},
        )
    cadre.user = account
    return account, password


def create_cadre_account(
    actor: Actor,
    unit: Unit,
    *,
    name: str,
    username: str,
    phone: str = "",
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[Cadre, User, str]:
    """A cadre and its login in one step (fixtures, demo)."""
    with transaction.atomic(durable=True):
        unit = unit_access.get_unit_for_user(actor.user, unit.pk, manage=True)
        cadre = Cadre(unit=unit, **cadre_data({"name": name, "phone": phone}))
        changelog.save(actor, cadre, reason="添加帮扶干部")
        account, password = accounts.new_user(
            actor,
            username=username,
            role=Role.CADRE,
            full_name=cadre.name,
            password=password,
            must_change_password=must_change_password,
        )
        cadre.user = account
        changelog.save(actor, cadre, reason="创建登录账号", update_fields=["user"])
    return cadre, account, password
