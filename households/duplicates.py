"""证件号码重复查询: ID numbers held by more than one household, found within a slice.

The database lets an ID be active on one member only, so conflicts come from imports and
history: an ID active in one household and still on a removed member of another (other
than the rows a 分户 leaves behind), the same ID active twice (data loaded around the
constraint), and a first-generation 15-digit number next to its 18-digit form. A fixed
number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr

from poverty_system.core import access
from poverty_system.core.roles import VIEW

from . import idnumbers
from .choices import MemberChange
from .models import Member

if TYPE_CHECKING:
    from villages.models import User

VARIANT_LIMIT = 500


@dataclass
class Conflict:
    id_number: str
    members: list = field(default_factory=list)


def _scope(user: User) -> QuerySet[Member]:
    q = access.code_filter(user, "household__village_code")
    return Member.objects.all() if q is None else Member.objects.filter(q)


def _counted() -> QuerySet[Member]:
    # Rows a 分户 leaves in the old household are the same person by design, not a conflict.
    return Member.objects.exclude(active=False, change=MemberChange.SPLIT)


def duplicate_numbers(user: User) -> QuerySet[Member, dict[str, Any]]:
    """A queryset of {id_number, households}: IDs on members of two or more households,
    at least one of them active, touching the slice. Page it, then call members_of."""
    return (
        _counted()
        .filter(id_number__in=_scope(user).values("id_number"))
        .values("id_number")
        .annotate(
            households=Count("household", distinct=True),
            active_members=Count("pk", filter=Q(active=True)),
        )
        .filter(households__gt=1, active_members__gt=0)
        .order_by("id_number")
    )


def members_of(user: User, numbers: list[str]) -> list[Conflict]:
    rows = (
        _counted()
        .filter(id_number__in=numbers)
        .select_related("household__village__parent")
        .order_by("id_number", "-active", "household__number")
    )
    conflicts: dict[str, Conflict] = {}
    for member in rows:
        _mark(user, member)
        conflicts.setdefault(member.id_number, Conflict(member.id_number)).members.append(member)
    return [conflicts[n] for n in numbers if n in conflicts]


def _mark(user: User, member: Member) -> None:
    member.in_slice = access.has_code_perm(user, VIEW, member.household.village_code)


def length_variants(user: User) -> list[tuple[Any, ...]]:
    """(old member, new member) pairs: a 15-digit number and its 18-digit form on two
    members, at least one active and one in the slice. Four queries."""
    related = ("household__village__parent",)
    short = list(
        _scope(user)
        .annotate(n=Length("id_number"))
        .filter(n=15)
        .select_related(*related)[:VARIANT_LIMIT]
    )
    upgraded = {}
    for member in short:
        try:
            upgraded.setdefault(idnumbers.normalize(member.id_number), []).append(member)
        except idnumbers.InvalidIdNumber:
            continue
    pairs = [
        (old, new)
        for new in Member.objects.filter(id_number__in=list(upgraded)).select_related(*related)
        for old in upgraded[new.id_number]
    ]
    # From the 18-digit side: in-slice numbers whose 15-digit form is on a member anywhere.
    fifteen = Concat(Substr("id_number", 1, 6), Substr("id_number", 9, 9))
    twins = Member.objects.filter(id_number=OuterRef("fifteen"))
    long = list(
        _scope(user)
        .annotate(century=Substr("id_number", 7, 2), fifteen=fifteen)
        .filter(century=Value("19"))
        .filter(Exists(twins))
        .select_related(*related)[:VARIANT_LIMIT]
    )
    by_short = {m.fifteen: m for m in long}
    pairs += [
        (old, by_short[old.id_number])
        for old in Member.objects.filter(id_number__in=list(by_short)).select_related(*related)
    ]
    seen, result = set(), []
    for old, new in pairs:
        if (old.pk, new.pk) in seen or not (old.active or new.active):
            continue
        if idnumbers.upgrade_15(old.id_number) != new.id_number:
            continue
        seen.add((old.pk, new.pk))
        _mark(user, old)
        _mark(user, new)
        result.append((old, new))
    return sorted(result, key=lambda pair: pair[1].id_number)
