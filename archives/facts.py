"""What a door-plate card and the public QR page show about a household's assistance.

`archive_facts` is the one place the QR archives read units data: the household's current
pairing (units.pairings: cadre name and phone, unit) and this year's survey (measures, the
planned exit year), in four queries for any number of households. Callers pass a bounded
batch (one village of an export).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from poverty_system.core.dates import current_year
from units.models import Survey
from units.pairings import current_pairings


@dataclass(frozen=True)
class Facts:
    cadre_name: str = ""
    cadre_phone: str = ""
    unit_name: str = ""
    measures: tuple[str, ...] = ()  # this year's assistance measures (帮扶措施)
    planned_exit_year: int | None = None  # 计划脱贫年度


EMPTY = Facts()


def archive_facts(households: Iterable) -> dict[int, Facts]:
    """household id -> Facts for the given households (objects with .pk, or ids)."""
    ids = [getattr(h, "pk", h) for h in households]
    if not ids:
        return {}
    pairs = current_pairings(ids)
    surveys = {
        s.household_id: s
        for s in Survey.objects.filter(household_id__in=ids, year=current_year()).prefetch_related(
            "measures"
        )
    }
    facts = {}
    for pk in ids:
        pair, survey = pairs[pk], surveys.get(pk)
        facts[pk] = Facts(
            cadre_name=pair.cadre,
            cadre_phone=pair.cadre_phone,
            unit_name=pair.unit,
            measures=tuple(str(m) for m in survey.measures.all()) if survey else (),
            planned_exit_year=survey.exit_year if survey else None,
        )
    return facts
