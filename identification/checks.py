"""县级比对: the system's own checks of a batch of cases, in a constant number of queries.

Every member's ID number (active or not) against the members of every other household of the
city, and against the cadres of the units; then the checks of the household data that a
higher floor adds (`HOUSEHOLD_CHECKS`: the problem rules of 数据质量检查, which quality's app
config registers, since identification lies below quality and may not import it). Each hit is
shown to the county with masked ID numbers only (the hits are stored on the event that
decides, so they must not hold a full number).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from households.choices import HouseholdStatus
from households.idnumbers import mask
from households.models import Member
from units.models import Cadre
from villages.models import code_range

from .models import Case

Hit = dict[str, Any]
CITY_DIGITS = 4
# A check of the cases' household data: case id -> its hits (a missing id: no hits), in a
# fixed number of queries for any number of cases.
HouseholdCheck = Callable[[Sequence[Case]], dict[int, list[Hit]]]
HOUSEHOLD_CHECKS: list[HouseholdCheck] = []


def add_household_check(check: HouseholdCheck) -> None:
    """Register a check of the household data for 县级比对 (once; from an app config's ready,
    of an app above identification)."""
    if check not in HOUSEHOLD_CHECKS:
        HOUSEHOLD_CHECKS.append(check)


def check_hits(cases: Sequence[Case]) -> dict[int, list[Hit]]:
    """case id -> hits: three queries for the ID numbers, plus each registered check's
    queries, for any number of cases."""
    hits = id_number_hits(cases)
    if cases:
        for check in HOUSEHOLD_CHECKS:
            for pk, found in check(cases).items():
                hits[pk].extend(found)
    return hits


def id_number_hits(cases: Sequence[Case]) -> dict[int, list[Hit]]:
    """case id -> the hits of its members' ID numbers, three queries for any number of cases."""
    hits: dict[int, list[Hit]] = {case.pk: [] for case in cases}
    if not cases:
        return hits
    by_household = {case.household_id: case for case in cases}
    own = list(
        Member.objects.filter(household_id__in=by_household, active=True).values_list(
            "household_id", "id_number", "name"
        )
    )
    owners: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for household_id, id_number, name in own:
        owners[id_number].append((household_id, name))
    if not owners:
        return hits
    cities = {case.village_code[:CITY_DIGITS] for case in cases}
    others = Member.objects.filter(id_number__in=list(owners)).exclude(
        household_id__in=list(by_household)
    )
    city_q = None
    for city in cities:
        lo, hi = code_range(city)
        q = others.filter(household__village_code__gte=lo, household__village_code__lt=hi)
        city_q = q if city_q is None else city_q | q
    for row in (city_q if city_q is not None else others).values(
        "id_number",
        "name",
        "active",
        "household__number",
        "household__head_name",
        "household__status",
        "household__village__name",
        "household__village_code",
    ):
        for household_id, name in owners[row["id_number"]]:
            case = by_household[household_id]
            if row["household__village_code"][:CITY_DIGITS] != case.village_code[:CITY_DIGITS]:
                continue
            hits[case.pk].append(
                {
                    "kind": "member",
                    "name": name,
                    "id_number": mask(row["id_number"]),
                    "detail": (
                        f"与{row['household__village__name']}户编号 {row['household__number']}"
                        f"（户主 {row['household__head_name']}，"
                        f"{HouseholdStatus(row['household__status']).label}）的"
                        f"{'' if row['active'] else '已减少'}成员 {row['name']} 证件号码相同"
                    ),
                }
            )
    for row in Cadre.objects.filter(id_number__in=list(owners)).values(
        "id_number", "name", "unit__name", "left_at"
    ):
        for household_id, name in owners[row["id_number"]]:
            hits[by_household[household_id].pk].append(
                {
                    "kind": "cadre",
                    "name": name,
                    "id_number": mask(row["id_number"]),
                    "detail": f"是{row['unit__name']}的帮扶干部"
                    + ("（已离开）" if row["left_at"] else ""),
                }
            )
    return hits
