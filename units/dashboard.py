"""What a unit or cadre account sees first on its home page (phone width)."""

from django.db.models import Exists, OuterRef

from households import access as hh_access
from households.models import Household
from poverty_system.core.dates import current_year

from . import access as unit_access
from .models import Assignment, Cadre, HouseholdLink, Survey, Unit, UnitVillage


def summary_for(user) -> dict | None:
    """The unit account's villages, households (linked, assigned, unassigned) and cadres;
    the cadre account's assigned households with this year's survey still to fill."""
    ids = unit_access.unit_ids(user)
    if ids:
        links = HouseholdLink.objects.filter(unit_id__in=ids, ended_at__isnull=True)
        linked = links.count()
        assigned = Assignment.objects.filter(unit_id__in=ids, ended_at__isnull=True).count()
        return {
            "kind": "unit",
            "units": list(Unit.objects.filter(pk__in=ids)),
            "villages": list(
                UnitVillage.objects.filter(unit_id__in=ids, ended_at__isnull=True)
                .select_related("village")
                .order_by("village_code")
            ),
            "linked": linked,
            "assigned": assigned,
            "unassigned": linked - assigned,
            "cadres": Cadre.objects.filter(unit_id__in=ids, left_at__isnull=True).count(),
        }
    cadre = unit_access.cadre_of(user)
    if cadre is not None:
        year = current_year()
        filled = Survey.objects.filter(household=OuterRef("pk"), year=year)
        households = list(
            hh_access.filter_households(Household.objects.all(), user)
            .annotate(filled=Exists(filled))
            .select_related("village")
            .order_by("filled", "village_code", "number")[:100]
        )
        return {
            "kind": "cadre",
            "cadre": cadre,
            "year": year,
            "households": households,
            "todo": sum(1 for h in households if not h.filled),
        }
    return None
