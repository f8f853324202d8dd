"""贫困村信息表: one village's record on one sheet, read in a fixed number of queries.

The poor-village record (贫困村信息, assessment: the latest year the account may read),
the village's households by status, attribute and main cause (from the household data, in
the account's scope), the units that assist it with this year's plan, the cadres serving
there with their households, and the projects carried out in it (projects' own scope).
Phones printed masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from assessment.listing import visible_records
from assessment.models import PoorVillage
from households.access import filter_households
from households.asof import POOR, REGISTERED
from households.choices import ROSTER_STATUSES, Attribute, Cause
from households.models import Household
from poverty_system.core.dates import current_year
from poverty_system.core.formatting import mask_phone, yuan
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
from projects.access import filter_projects
from projects.models import Project
from units.models import AnnualPlan, Assignment, UnitVillage
from villages.models import Region

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

W = body_width()
HEAD = "F2F2F2"


@dataclass
class VillageFacts:
    village: Region
    place: str
    record: PoorVillage | None = None
    by_status: list[tuple[str, int, int]] = field(default_factory=list)
    by_attribute: list[tuple[str, int, int]] = field(default_factory=list)
    by_cause: list[tuple[str, int, int]] = field(default_factory=list)
    units: list[tuple[str, str, str]] = field(default_factory=list)
    cadres: list[tuple[str, str, str, int]] = field(default_factory=list)
    projects: list[tuple[str, str, str, str, str]] = field(default_factory=list)


def _counts(rows: Any, key: str, labels: dict[str, str]) -> list[tuple[str, int, int]]:
    found = {r[key]: (r["n"], r["people"] or 0) for r in rows}
    return [(label, *found.get(value, (0, 0))) for value, label in labels.items()]


def village_facts(user: AnyUser, village: Region) -> VillageFacts:
    """Everything the sheet shows, in eight queries whatever the village's size."""
    ancestors = list(village.get_ancestors().filter(level__in=["county", "township"]))
    facts = VillageFacts(village, " ".join(r.name for r in [*ancestors, village]))
    facts.record = visible_records(user).filter(village=village).order_by("-year").first()
    households = filter_households(
        Household.objects.filter(village_code=village.code), user, PRINT_SHEETS
    ).order_by()
    statuses = ROSTER_STATUSES
    facts.by_status = _counts(
        households.values("status").annotate(n=Count("pk"), people=Sum("size")),
        "status",
        {s.value: s.label for s in statuses},
    )
    grouped = (
        households.filter(status__in=REGISTERED)
        .values("attribute", "main_cause")
        .annotate(
            n=Count("pk"),
            people=Sum("size"),
            poor=Count("pk", filter=Q(status__in=POOR)),
            poor_people=Sum("size", filter=Q(status__in=POOR)),
        )
    )
    rows = list(grouped)
    by_attribute: dict[str, dict[str, int]] = {}
    by_cause: dict[str, dict[str, int]] = {}
    for r in rows:
        a = by_attribute.setdefault(r["attribute"], {"n": 0, "people": 0})
        a["n"] += r["n"]
        a["people"] += r["people"] or 0
        if r["poor"]:
            c = by_cause.setdefault(r["main_cause"], {"n": 0, "people": 0})
            c["n"] += r["poor"]
            c["people"] += r["poor_people"] or 0
    facts.by_attribute = [
        (label, by_attribute.get(v, {}).get("n", 0), by_attribute.get(v, {}).get("people", 0))
        for v, label in Attribute.choices
    ]
    facts.by_cause = [
        (label, by_cause.get(v, {}).get("n", 0), by_cause.get(v, {}).get("people", 0))
        for v, label in Cause.choices
    ]
    links = list(
        UnitVillage.objects.filter(village=village, ended_at__isnull=True).select_related("unit")
    )
    plans = {
        p.link_id: p.content for p in AnnualPlan.objects.filter(link__in=links, year=current_year())
    }
    facts.units = [(link.unit.name, link.plan, plans.get(link.pk, "")) for link in links]
    facts.cadres = [
        (r["cadre__name"], mask_phone(r["cadre__phone"] or ""), r["unit__name"], r["n"])
        for r in Assignment.objects.filter(village_code=village.code, ended_at__isnull=True)
        .values("cadre__name", "cadre__phone", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("unit__name", "cadre__name")
    ]
    projects = filter_projects(Project.objects.filter(region_code=village.code), user)
    facts.projects = [
        (str(p.year), p.name, p.get_category_display(), p.get_state_display(), p.number)
        for p in projects.order_by("-year", "number")[:50]
    ]
    return facts


def _kv(pairs: list[tuple[str, str]]) -> str:
    widths = [W * 20 // 100, W * 30 // 100, W * 20 // 100, W - W * 70 // 100]
    rows = []
    for i in range(0, len(pairs), 2):
        cells = []
        for label, value in pairs[i : i + 2]:
            cells += [cell(label, widths[0], shade=HEAD), cell(value, widths[1])]
        if len(pairs[i : i + 2]) == 1:
            cells += [cell("", widths[0], shade=HEAD), cell("", widths[1])]
        rows.append(row(cells))
    return table(widths, rows) + spacer()


def _grid(headers: list[str], shares: list[int], lines: list[list[str]]) -> str:
    total = sum(shares)
    widths = [W * s // total for s in shares]
    widths[-1] += W - sum(widths)
    rows = [
        row(
            [
                cell(t, w, bold=True, shade=HEAD, size=18)
                for t, w in zip(headers, widths, strict=True)
            ],
            header=True,
        )
    ]
    for line in lines:
        rows.append(row([cell(t, w, size=18) for t, w in zip(line, widths, strict=True)]))
    if not lines:
        rows.append(row([cell("无", W, size=18, span=len(widths))]))
    return table(widths, rows) + spacer()


def _section(title: str) -> str:
    return para(run(title, size=22, bold=True), after=40, extra='<w:keepNext w:val="1"/>')


def _yes(value: bool) -> str:
    return "是" if value else "否"


def sheet(facts: VillageFacts) -> str:
    v, record = facts.village, facts.record
    out = [
        heading("贫困村信息表"),
        para(run(f"{facts.place}    区划代码：{v.full_code}", size=20), after=40, align="center"),
        para(run(f"打印日期：{timezone.localdate():%Y年%m月%d日}", size=18), align="center"),
        _section("1. 贫困村基本情况"),
    ]
    if record is None:
        out.append(para(run("本村尚无可查看的贫困村信息记录（管理贫困村信息）。", size=18)))
    else:
        out.append(
            _kv(
                [
                    ("年度", f"{record.year}年"),
                    ("状态", record.get_state_display()),
                    ("总户数", str(record.households)),
                    ("总人口", str(record.population)),
                    ("贫困户数", str(record.poor_households)),
                    ("贫困人口", str(record.poor_population)),
                    ("贫困发生率（%）", f"{record.incidence:.2f}"),
                    ("村集体经济收入", yuan(record.collective_income)),
                    ("通硬化路", _yes(record.has_hardened_road)),
                    ("通安全饮用水", _yes(record.has_safe_water)),
                    ("通生产生活用电", _yes(record.has_power)),
                    ("通宽带", _yes(record.has_broadband)),
                    ("有标准化卫生室", _yes(record.has_clinic)),
                    ("有小学或教学点", _yes(record.has_school)),
                ]
            )
        )
        if record.note:
            out.append(para(run(f"其他情况：{record.note}", size=18)))
    out.append(_section("2. 建档立卡户（按状态，当前）"))
    out.append(
        _grid(
            ["状态", "户数", "人数"],
            [4, 2, 2],
            [[a, str(b), str(c)] for a, b, c in facts.by_status],
        )
    )
    out.append(_section("3. 在册户（按贫困户属性）"))
    out.append(
        _grid(
            ["贫困户属性", "户数", "人数"],
            [4, 2, 2],
            [[a, str(b), str(c)] for a, b, c in facts.by_attribute],
        )
    )
    out.append(_section("4. 未脱贫户（按主要致贫原因）"))
    causes = [[a, str(b), str(c)] for a, b, c in facts.by_cause if b]
    out.append(_grid(["主要致贫原因", "户数", "人数"], [4, 2, 2], causes))
    out.append(_section("5. 帮扶单位"))
    out.append(
        _grid(
            ["帮扶单位", "帮扶规划", f"{current_year()}年度帮扶计划"],
            [3, 4, 4],
            [list(u) for u in facts.units],
        )
    )
    out.append(_section("6. 帮扶责任人"))
    out.append(
        _grid(
            ["姓名", "联系电话", "所在单位", "帮扶户数"],
            [2, 2, 4, 2],
            [[n, p, u, str(c)] for n, p, u, c in facts.cadres],
        )
    )
    out.append(_section("7. 扶贫项目"))
    out.append(
        _grid(
            ["年度", "项目名称", "项目类别", "状态", "项目编号"],
            [1, 4, 2, 2, 3],
            [list(p) for p in facts.projects],
        )
    )
    out.append(
        para(
            run(
                "填表人：____________        审核人：____________        日期：____________",
                size=20,
            ),
            extra='<w:spacing w:before="240" w:after="0"/>',
        )
    )
    return "".join(out)


def write(target: Any, facts: VillageFacts) -> None:
    with StreamDocument(target) as document:
        document.write(sheet(facts))
