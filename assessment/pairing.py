"""A household's current cadre and unit, for the exit pages.

The units app (above households, below assessment) adds `Household.assignments` (cadre ↔
household) and `Household.unit_links` (unit ↔ household), each period active while
`ended_at` is null. They are read by their reverse-relation names so this works before and
after the units app has them: without them every household shows no cadre and no unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, FieldError

from households.models import Household


@dataclass(frozen=True)
class Pairing:
    cadre: str = ""
    unit: str = ""


def _related_model(name: str):
    try:
        return Household._meta.get_field(name).related_model
    except FieldDoesNotExist:
        return None


def _active(name: str, pks: list[int], path: str) -> dict[int, str]:
    """household id -> name at `path` of its active period row (one query)."""
    model = _related_model(name)
    if model is None or not pks:
        return {}
    try:
        rows = model._default_manager.filter(household_id__in=pks, ended_at__isnull=True)
        return dict(rows.values_list("household_id", path))
    except FieldError:
        return {}


def pairings(households: Iterable[Household]) -> dict[int, Pairing]:
    """household pk -> its cadre's and unit's names, in at most three queries."""
    pks = [h.pk for h in households]
    cadres = _active("assignments", pks, "cadre__name")
    cadre_units = _active("assignments", pks, "cadre__unit__name")
    units = _active("unit_links", pks, "unit__name")
    return {
        pk: Pairing(cadres.get(pk, "") or "", units.get(pk) or cadre_units.get(pk) or "")
        for pk in pks
    }
