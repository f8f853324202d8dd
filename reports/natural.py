"""自然村信息表: the natural villages (村民小组) of one village as the national table lists them
(name, households, population, 通路, 通水, 通电) beside the poor households and poor population
of each group from the household data (in the account's scope); in two queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Sum
from django.utils import timezone

from households.access import filter_households
from households.asof import POOR
from households.models import Household
from poverty_system.core.roles import PRINT_SHEETS
from poverty_system.core.word import (
    StreamDocument,
    body_width,
    cell,
    heading,
    para,
    row,
    run,
    spacer,
    table,
)
from villages.models import NaturalVillage, Region

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

W = body_width(landscape=True)
HEAD = "F2F2F2"
HEADERS = [
    "序号",
    "自然村（村民小组）名称",
    "户数",
    "人口数",
    "贫困户数",
    "贫困人口数",
    "是否通路",
    "是否通水",
    "是否通电",
]
SHARES = [1, 4, 2, 2, 2, 2, 2, 2, 2]


@dataclass
class NaturalRow:
    name: str
    households: int
    population: int
    poor_households: int
    poor_population: int
    has_road: bool
    has_water: bool
    has_power: bool

    def cells(self, number: int) -> list[str]:
        yes = ("否", "是")
        return [
            str(number),
            self.name,
            str(self.households),
            str(self.population),
            str(self.poor_households),
            str(self.poor_population),
            yes[self.has_road],
            yes[self.has_water],
            yes[self.has_power],
        ]


@dataclass
class NaturalFacts:
    village: Region
    place: str
    rows: list[NaturalRow] = field(default_factory=list)

    @property
    def totals(self) -> list[str]:
        sums = [
            sum(getattr(r, name) for r in self.rows)
            for name in ("households", "population", "poor_households", "poor_population")
        ]
        return ["", "合计", *map(str, sums), "", "", ""]


def natural_facts(user: AnyUser, village: Region) -> NaturalFacts:
    """The village's active natural villages with their poor counts (two queries, plus the
    village's county and township for the heading)."""
    ancestors = list(village.get_ancestors().filter(level__in=["county", "township"]))
    facts = NaturalFacts(village, " ".join(r.name for r in [*ancestors, village]))
    poor = filter_households(
        Household.objects.filter(village_code=village.code, status__in=POOR), user, PRINT_SHEETS
    )
    counts = {
        r["group"]: (r["n"], r["people"] or 0)
        for r in poor.order_by().values("group").annotate(n=Count("pk"), people=Sum("size"))
    }
    groups = NaturalVillage.objects.filter(village=village, active=True).order_by("pk")
    for g in groups:
        n, people = counts.get(g.name, (0, 0))
        facts.rows.append(
            NaturalRow(
                g.name, g.households, g.population, n, people, g.has_road, g.has_water, g.has_power
            )
        )
    return facts


def _widths() -> list[int]:
    total = sum(SHARES)
    widths = [W * s // total for s in SHARES]
    widths[-1] += W - sum(widths)
    return widths


def sheet(facts: NaturalFacts) -> str:
    widths = _widths()
    head = row(
        [cell(t, w, bold=True, shade=HEAD, size=18) for t, w in zip(HEADERS, widths, strict=True)],
        header=True,
    )
    lines = [head]
    for number, r in enumerate(facts.rows, 1):
        cells = r.cells(number)
        lines.append(row([cell(t, w, size=18) for t, w in zip(cells, widths, strict=True)]))
    if not facts.rows:
        lines.append(row([cell("本村尚未登记自然村（村民小组）。", W, size=18, span=len(widths))]))
    else:
        totals = facts.totals
        lines.append(
            row([cell(t, w, bold=True, size=18) for t, w in zip(totals, widths, strict=True)])
        )
    v = facts.village
    return "".join(
        [
            heading("自然村信息表"),
            para(
                run(f"{facts.place}    区划代码：{v.full_code}", size=20), after=40, align="center"
            ),
            para(run(f"打印日期：{timezone.localdate():%Y年%m月%d日}", size=18), align="center"),
            table(widths, lines),
            spacer(),
            para(
                run("填表人：____________        审核人：____________        日期：____________"),
                extra='<w:spacing w:before="240" w:after="0"/>',
            ),
        ]
    )


def write(target: Any, facts: NaturalFacts) -> None:
    with StreamDocument(target, landscape=True) as document:
        document.write(sheet(facts))
