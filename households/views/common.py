"""Helpers shared by the household views (no views here)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest

from poverty_system.core.roles import EDIT_HOUSEHOLDS, OFFICE_ROLES, Role
from poverty_system.core.rules import roles
from villages.models import mask_phone

from .. import idnumbers, services
from ..access import get_household_for_user
from ..models import Claim, Household, Member

# The administrator reads every slice (as on 管理贫困户信息) but never edits: edits need a
# village session verified with the claiming phone.
household_readers = roles(Role.ADMIN, Role.VILLAGE, *OFFICE_ROLES)
# Who opens a household's page (and 查看贫困户信息): the readers, and the unit and cadre
# accounts for the households of their own scope (households.access).
household_viewers = roles(Role.ADMIN, Role.VILLAGE, Role.UNIT, Role.CADRE, *OFFICE_ROLES)
village_only = roles(Role.VILLAGE)


def editable_household(request: HttpRequest, pk: int) -> Household:
    """The household, if this session may edit it: 404 outside the slice, 403 for a role
    that may not, 403 with the reason for the wrong phone."""
    household = get_household_for_user(request.user, pk, EDIT_HOUSEHOLDS)
    services.check_can_edit(request.actor, household)
    return household


def with_claims(queryset: QuerySet[Household]) -> QuerySet[Household]:
    """Annotate the active claim's phone (and holder) on each household: one query."""
    active = Claim.objects.active().filter(household=OuterRef("pk"))
    return queryset.annotate(
        claim_phone_id=Subquery(active.values("phone_id")[:1]),
        claim_phone=Subquery(active.values("phone__phone")[:1]),
        claim_holder=Subquery(active.values("phone__holder")[:1]),
    )


def with_head_id(queryset: QuerySet[Household]) -> QuerySet[Household]:
    head = Member.objects.filter(household=OuterRef("pk"), active=True, relation="head")
    return queryset.annotate(head_id_number=Subquery(head.values("id_number")[:1]))


def masked_rows(rows: Iterable[Any]) -> list[Any]:
    """Masked claim phone and head ID number on annotated rows, for lists."""
    rows = list(rows)
    for row in rows:
        phone = getattr(row, "claim_phone", None)
        row.claim_phone_masked = mask_phone(phone) if phone else ""
        number = getattr(row, "head_id_number", None)
        row.head_id_masked = idnumbers.mask(number) if number else ""
    return rows
