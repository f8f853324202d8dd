"""A household's current pairing (its active assignment's cadre and unit, or the unit of its
active link when no cadre is assigned yet), for any number of households in two queries.
Used by the exit pages (assessment) and the QR archives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Assignment, HouseholdLink


@dataclass(frozen=True)
class Pairing:
    cadre: str = ""
    cadre_phone: str = ""
    unit: str = ""


NONE = Pairing()


def current_pairings(households: Iterable) -> dict[int, Pairing]:
    """household id -> Pairing for the given households (objects with .pk, or ids)."""
    ids = [getattr(h, "pk", h) for h in households]
    if not ids:
        return {}
    assigned = {
        household_id: Pairing(name, phone or "", unit)
        for household_id, name, phone, unit in Assignment.objects.filter(
            household_id__in=ids, ended_at__isnull=True
        ).values_list("household_id", "cadre__name", "cadre__phone", "unit__name")
    }
    linked = dict(
        HouseholdLink.objects.filter(household_id__in=ids, ended_at__isnull=True)
        .exclude(household_id__in=list(assigned))
        .values_list("household_id", "unit__name")
    )
    return {
        pk: assigned.get(pk) or (Pairing(unit=linked[pk]) if pk in linked else NONE) for pk in ids
    }
