"""项目库维护: a village enters and proposes projects; the offices take the steps of
projects.states. Assets are born at 竣工验收 and notices at 批复公告 / 结果公告."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from poverty_system.core import access, audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.roles import VIEW
from poverty_system.core.versioning import bump, check_version
from villages.models import Region

from .. import clock, states
from ..access import PROPOSE_PROJECTS, get_project, may
from ..choices import BUDGET_FIELDS, Category
from ..disclosure import HOTLINE_SEPARATOR
from ..errors import ProjectError
from ..models import Asset, Notice, Project, ProjectEvent

EDIT_FIELDS = (
    "year",
    "name",
    "category",
    "subcategory",
    "nature",
    "content",
    "scale",
    "planned_start",
    "planned_end",
    "responsible_unit",
    "implementing_unit",
    "responsible_person",
    *BUDGET_FIELDS.values(),
    "subsidy_standard",
    "link_mechanism",
    "goal_people",
    "goal_acceptance_rate",
    "goal_satisfaction",
    "goal_other",
)


def county_of(region: Region) -> Region:
    county: Region = region.get_ancestors(include_self=True).get(level="county")
    return county


def check_data(data: dict[str, Any]) -> None:
    if not (data.get("name") or "").strip():
        raise ProjectError("请填写项目名称。", "name")
    start, end = data.get("planned_start"), data.get("planned_end")
    if start and end and end < start:
        raise ProjectError("计划完工日期不能早于计划开工日期。", "planned_end")
    if sum(data.get(f) or 0 for f in BUDGET_FIELDS.values()) <= 0:
        raise ProjectError("请填写资金规模（至少一项资金来源大于 0）。", BUDGET_FIELDS["central"])


def _next_number(county_code: str, year: int) -> str:
    prefix = f"{county_code[:6]}{year}"
    last = (
        Project.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def create_project(
    actor: Actor, region: Region, data: dict[str, Any], places: Iterable[Region] = ()
) -> Project:
    """A village enters a project of its village (村级录入); it stays editable until 申报."""
    access.check_region_perm(actor.user, VIEW, region)
    if not may(actor.user, PROPOSE_PROJECTS, region.code):
        raise PermissionDenied("您的账号不能录入项目。")
    with transaction.atomic(durable=True):
        return enter_project(actor, region, data, places, reason="村级录入")


def enter_project(
    actor: Actor,
    region: Region,
    data: dict[str, Any],
    places: Iterable[Region] = (),
    *,
    reason: str,
) -> Project:
    """A new project at 村级录入, inside the caller's transaction (the caller checked the
    permission: 村级录入 by the village, 项目导入 by the county office)."""
    if region.level != "village":
        raise ProjectError("请选择实施地点所在的村。", "region")
    check_data(data)
    county = county_of(region)
    project = Project(
        region=region,
        region_code=region.code,
        county_code=county.code,
        created_by=actor.account,
        **{f: data[f] for f in EDIT_FIELDS if f in data},
    )
    for _attempt in range(5):
        project.number = _next_number(county.code, project.year)
        try:
            with transaction.atomic():
                changelog.save(actor, project, reason=reason)
            break
        except IntegrityError:
            project.pk = None
            project._state.adding = True
    else:
        raise ProjectError("项目编号生成冲突，请重试。")
    if places:
        _set_places(project, region, places)
    audit.record(
        actor,
        audit.RECORD_STATE,
        obj=project,
        region_code=project.region_code,
        detail={"step": "create"},
    )
    return project


def _set_places(project: Project, region: Region, places: Iterable[Region]) -> None:
    county = county_of(region)
    lo, hi = county.code_range
    chosen = [p for p in places if p.pk != region.pk]
    if any(not (lo <= p.code < hi) for p in chosen):
        raise ProjectError("其他实施地点须在本县内。", "places")
    project.places.set(chosen)


def edit_project(
    actor: Actor,
    pk: Any,
    data: dict[str, Any],
    version: Any,
    places: Iterable[Region] = (),
) -> Project:
    """村级录入 edits while the project is a draft or returned; a stale form is refused."""
    with transaction.atomic(durable=True):
        locked = get_project(
            actor.user, pk, PROPOSE_PROJECTS, queryset=Project.objects.select_for_update()
        )
        check_version(locked, version, changes=changes(locked, version), what="该项目")
        if locked.state not in states.EDITABLE:
            raise ProjectError(f"项目当前为“{locked.get_state_display()}”，不能修改。")
        check_data(data)
        for f in EDIT_FIELDS:
            if f in data:
                setattr(locked, f, data[f])
        bump(locked)
        changelog.save(actor, locked, reason="修改项目信息")
        _set_places(locked, locked.region, places)
    return locked


def changes(project: Project, version: Any) -> list[Any]:
    """Change-log rows written after the version the stale form was opened with."""
    from poverty_system.core.versioning import parse_version

    number = parse_version(version) or 0
    return list(project.history.filter(version__gt=number).order_by("history_date"))


def _hotline(project: Project) -> str:
    """The national supervision hotline (12317) and the county's own supervision phone (its
    识别规则, when set), as printed on the notice: "12317、0797-6212317"."""
    from identification.models import CountyRules

    national = str(getattr(settings, "PROJECT_HOTLINE", "12317"))
    local = (
        CountyRules.objects.filter(county__code=project.county_code)
        .values_list("county_phone", flat=True)
        .first()
    )
    return f"{national}{HOTLINE_SEPARATOR}{local}" if local else national


def _notice(actor: Actor, project: Project, kind: str, event: ProjectEvent) -> Notice:
    """批复公告 / 结果公告 from the step's event, dated by its 公告日期."""
    day = event.doc_date
    if day is None:  # the announce steps require their date (states.Step.doc_date)
        raise ProjectError("请填写公告日期。", "doc_date")
    return Notice.objects.create(
        project=project,
        kind=kind,
        token=secrets.token_urlsafe(32),
        published_on=day,
        board_until=day + datetime.timedelta(days=clock.rule("notice_min_days") - 1),
        region_code=project.region_code,
        county_code=project.county_code,
        hotline=_hotline(project),
        actor=actor.account,
    )


ASSET_KIND: dict[str, str] = {
    Category.INFRASTRUCTURE: Asset.Kind.PUBLIC,
    Category.INDUSTRY: Asset.Kind.OPERATING,
}


def _first_asset(project: Project) -> Asset:
    """The asset born at 竣工验收, valued at the project's spending so far (or its budget);
    the county corrects class, owner and manager in 项目资产."""
    from ..ledger import project_totals

    spent = project_totals(project)["spent"] or project.budget_total
    kind = ASSET_KIND.get(project.category, Asset.Kind.HOUSEHOLD)
    return Asset(
        project=project,
        name=project.name,
        kind=kind,
        value=spent,
        owner=Asset.Owner.HOUSEHOLD if kind == Asset.Kind.HOUSEHOLD else Asset.Owner.VILLAGE,
        owner_name=project.region.name,
        manager=project.region.name,
        location=project.region.name,
        region_code=project.region_code,
        county_code=project.county_code,
    )


def take_step(actor: Actor, pk: Any, code: str, data: dict[str, Any]) -> Project:
    step = states.STEPS.get(code)
    if step is None:
        raise ProjectError("没有这个操作。")
    with transaction.atomic(durable=True):
        locked = get_project(
            actor.user, pk, step.perm, queryset=Project.objects.select_for_update()
        )
        event = states.take(actor, locked, code, data)
        if code == "announce":
            _notice(actor, locked, Notice.Kind.APPROVAL, event)
        elif code == "announce_result":
            _notice(actor, locked, Notice.Kind.RESULT, event)
        elif code == "accept" and not locked.assets.exists():
            changelog.save(actor, _first_asset(locked), reason="竣工验收形成资产")
        elif code == "hand_over":
            for asset in locked.assets.select_for_update():
                asset.confirmed_on = event.doc_date
                bump(asset)
                changelog.save(actor, asset, reason="资产移交确权")
    return locked
