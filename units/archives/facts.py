"""What a door-plate card and the public QR page show about a household's assistance.

`archive_facts` is the ONE place the QR archives read units data. On this branch there are
no assignments or surveys yet, so it answers empty facts for every household. The units
issue fills it from Assignment (the household's active assignment: cadre name and phone,
unit name) and Survey (this year's measures, the planned exit year), in a constant number of
queries for any number of households (one query per table, keyed by household id); the
lead wires it at merge. Callers pass a bounded batch (one village of an export).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    cadre_name: str = ""
    cadre_phone: str = ""
    unit_name: str = ""
    measures: tuple[str, ...] = ()  # this year's assistance measures (帮扶措施)
    planned_exit_year: int | None = None  # 计划脱贫年度


EMPTY = Facts()


def archive_facts(households: Iterable) -> dict[int, Facts]:
    """household id -> Facts for the given households (objects with .pk, or ids).

    TODO(units issue): read the active Assignment (cadre, its unit) and this year's Survey
    (measures, exit plan) of these households; today there are none to read."""
    return {getattr(h, "pk", h): EMPTY for h in households}
