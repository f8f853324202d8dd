"""The project's state machine: the one owner of Project.state.

村申报、乡审核、县审定: a village proposes (meeting record, notice photo, the notice's dates)
→ the township reviews once the notice is over → the county enters it (论证入库) → approves
(批复, 文号) → announces (批复公告, within 7 days) → 实施 → 调整 only with re-approval → 竣工验收
(验收表) → 报账 → 结果公告 → 资产移交 → 绩效评价. Returned (退回), stopped (终止) or rolled into
next year (结转下年) on the way. Each step: the right permission, its documents, the project's
change-log row, an append-only ProjectEvent with its attachments, and an audit entry. A step
out of order is refused with what must come first. Callers hold the project locked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from poverty_system.core import audit, changelog
from poverty_system.core.actor import Actor
from poverty_system.core.versioning import bump

from . import clock
from .access import (
    ACCEPT_PROJECTS,
    APPROVE_PROJECTS,
    EVALUATE_PROJECTS,
    PROPOSE_PROJECTS,
    PUBLISH_NOTICES,
    REVIEW_PROJECTS,
    RUN_PROJECTS,
    STORE_PROJECTS,
    may,
)
from .choices import AttachmentKind as K
from .choices import State as S
from .errors import ProjectError
from .files import check_file
from .models import Attachment, Project, ProjectEvent

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

NOTE_MAX = 500
Guard = Callable[[Project, dict[str, Any], datetime.date], None]


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    sources: frozenset[str]
    target: str
    perm: str
    doc_number: str = ""  # the label of its document number, "" for none
    doc_date: str = ""  # the label of its date, "" for none
    note: str = ""  # the label of its opinion or reason
    note_required: bool = False
    required: tuple[str, ...] = ()  # attachment kinds that must come with it
    optional: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = field(default=())


def _today() -> datetime.date:
    return timezone.localdate()


def _not_future(name: str, label: str) -> Guard:
    def guard(project: Project, data: dict[str, Any], today: datetime.date) -> None:
        if data.get(name) and data[name] > today:
            raise ProjectError(f"{label}不能晚于今天。", name)

    return guard


def _notice_dates(project: Project, data: dict[str, Any], today: datetime.date) -> None:
    start, end = data.get("notice_start"), data.get("notice_end")
    if not start or not end:
        raise ProjectError(
            "请填写村级公示的开始和结束日期。", "notice_start" if not start else "notice_end"
        )
    if start > today:
        raise ProjectError("公示开始日期不能晚于今天：请张贴公示后再申报。", "notice_start")
    if end < start:
        raise ProjectError("公示结束日期不能早于开始日期。", "notice_end")
    days = clock.notice_days(start, end)
    if days < clock.rule("notice_min_days"):
        raise ProjectError(
            f"公示期不少于 {clock.rule('notice_min_days')} 天（现为 {days} 天）。", "notice_end"
        )


def _notice_over(project: Project, data: dict[str, Any], today: datetime.date) -> None:
    if project.notice_end and today <= project.notice_end:
        raise ProjectError(
            f"村级公示尚未结束（公示至 {project.notice_end:%Y-%m-%d}），公示期满无异议后才能审核。"
        )


def _after_approval(project: Project, data: dict[str, Any], today: datetime.date) -> None:
    if project.approval_date and data.get("doc_date") and data["doc_date"] < project.approval_date:
        raise ProjectError("公告日期不能早于批复日期。", "doc_date")


def _has_assets(project: Project, data: dict[str, Any], today: datetime.date) -> None:
    if not project.assets.exists():
        raise ProjectError("项目尚无资产登记，请先在“项目资产”中登记资产后再移交。")


STEPS: dict[str, Step] = {
    s.code: s
    for s in (
        Step(
            "propose",
            "申报",
            frozenset({S.DRAFT, S.RETURNED}),
            S.PROPOSED,
            PROPOSE_PROJECTS,
            doc_date="村两委会议日期",
            note="申报说明",
            required=(K.MEETING, K.NOTICE_PHOTO),
            guards=(_notice_dates, _not_future("doc_date", "会议日期")),
        ),
        Step(
            "review",
            "乡镇审核通过",
            frozenset({S.PROPOSED}),
            S.REVIEWED,
            REVIEW_PROJECTS,
            note="审核意见",
            optional=(K.REVIEW,),
            guards=(_notice_over,),
        ),
        Step(
            "township_return",
            "退回",
            frozenset({S.PROPOSED}),
            S.RETURNED,
            REVIEW_PROJECTS,
            note="退回原因",
            note_required=True,
        ),
        Step(
            "store",
            "论证入库",
            frozenset({S.REVIEWED}),
            S.STORED,
            STORE_PROJECTS,
            note="论证意见",
            note_required=True,
            optional=(K.APPRAISAL,),
        ),
        Step(
            "county_return",
            "退回",
            frozenset({S.REVIEWED}),
            S.RETURNED,
            STORE_PROJECTS,
            note="退回原因",
            note_required=True,
        ),
        Step(
            "approve",
            "计划批复",
            frozenset({S.STORED}),
            S.APPROVED,
            APPROVE_PROJECTS,
            doc_number="批复文号",
            doc_date="批复日期",
            required=(K.APPROVAL,),
            guards=(_not_future("doc_date", "批复日期"),),
        ),
        Step(
            "announce",
            "批复公告",
            frozenset({S.APPROVED}),
            S.ANNOUNCED,
            PUBLISH_NOTICES,
            doc_date="公告日期",
            guards=(_not_future("doc_date", "公告日期"), _after_approval),
        ),
        Step(
            "start",
            "开工实施",
            frozenset({S.ANNOUNCED}),
            S.IMPLEMENTING,
            RUN_PROJECTS,
            doc_date="开工日期",
            optional=(K.CONTRACT,),
            guards=(_not_future("doc_date", "开工日期"),),
        ),
        Step(
            "adjust",
            "申请调整",
            frozenset({S.IMPLEMENTING}),
            S.ADJUSTING,
            RUN_PROJECTS,
            note="调整内容及原因",
            note_required=True,
        ),
        Step(
            "approve_adjustment",
            "调整批复",
            frozenset({S.ADJUSTING}),
            S.IMPLEMENTING,
            APPROVE_PROJECTS,
            doc_number="调整批复文号",
            doc_date="批复日期",
            required=(K.ADJUSTMENT,),
            guards=(_not_future("doc_date", "批复日期"),),
        ),
        Step(
            "accept",
            "竣工验收",
            frozenset({S.IMPLEMENTING}),
            S.ACCEPTED,
            ACCEPT_PROJECTS,
            doc_date="验收日期",
            note="验收结论",
            required=(K.ACCEPTANCE,),
            guards=(_not_future("doc_date", "验收日期"),),
        ),
        Step(
            "settle",
            "报账",
            frozenset({S.ACCEPTED}),
            S.SETTLED,
            RUN_PROJECTS,
            doc_number="报账凭证号",
            doc_date="报账日期",
            note="质保金等说明",
            optional=(K.SETTLEMENT,),
            guards=(_not_future("doc_date", "报账日期"),),
        ),
        Step(
            "announce_result",
            "结果公告",
            frozenset({S.SETTLED}),
            S.RESULT_ANNOUNCED,
            PUBLISH_NOTICES,
            doc_date="公告日期",
            guards=(_not_future("doc_date", "公告日期"),),
        ),
        Step(
            "hand_over",
            "资产移交",
            frozenset({S.RESULT_ANNOUNCED}),
            S.HANDED_OVER,
            ACCEPT_PROJECTS,
            doc_date="确权日期",
            guards=(_has_assets,),
        ),
        Step(
            "evaluate",
            "绩效评价",
            frozenset({S.HANDED_OVER}),
            S.EVALUATED,
            EVALUATE_PROJECTS,
            note="评价结论",
            note_required=True,
            optional=(K.EVALUATION,),
        ),
        Step(
            "stop",
            "终止",
            frozenset({S.STORED, S.APPROVED, S.ANNOUNCED, S.IMPLEMENTING, S.ADJUSTING}),
            S.STOPPED,
            APPROVE_PROJECTS,
            note="终止原因",
            note_required=True,
        ),
        Step(
            "roll_over",
            "结转下年",
            frozenset({S.STORED, S.APPROVED}),
            S.STORED,
            APPROVE_PROJECTS,
            note="结转原因",
            note_required=True,
        ),
    )
}
EDITABLE = (S.DRAFT, S.RETURNED)
# The step that leads into each state: named in the refusal of a step taken too early.
LEADS_TO = {
    step.target: step
    for step in STEPS.values()
    if step.code not in ("roll_over",)
    and "return" not in step.code
    and step.code != "approve_adjustment"
}
ORDER = [s.value for s in S]


def may_take(user: AnyUser, project: Project, code: str) -> bool:
    step = STEPS[code]
    return project.state in step.sources and may(user, step.perm, project.region_code)


def available(user: AnyUser, project: Project) -> list[Step]:
    return [s for s in STEPS.values() if may_take(user, project, s.code)]


def _refusal(project: Project, step: Step) -> str:
    state = S(project.state).label
    if project.state in (S.STOPPED, S.EVALUATED):
        return f"项目“{state}”，不能再{step.label}。"
    first = min(step.sources, key=ORDER.index)
    if ORDER.index(project.state) < ORDER.index(first) and first in LEADS_TO:
        return f"项目当前为“{state}”，不能{step.label}：请先完成“{LEADS_TO[first].label}”。"
    return f"项目当前为“{state}”，不能{step.label}。"


def _clean(step: Step, data: dict[str, Any]) -> tuple[str, datetime.date | None, str]:
    number = (data.get("doc_number") or "").strip()
    date = data.get("doc_date")
    note = (data.get("note") or "").strip()
    if step.doc_number and not number:
        raise ProjectError(f"请填写{step.doc_number}。", "doc_number")
    if step.doc_date and not date:
        raise ProjectError(f"请填写{step.doc_date}。", "doc_date")
    if step.note_required and not note:
        raise ProjectError(f"请填写{step.note}。", "note")
    if len(note) > NOTE_MAX:
        raise ProjectError(f"{step.note or '说明'}不能超过 {NOTE_MAX} 字。", "note")
    if len(number) > 60:
        raise ProjectError("文号不能超过 60 字。", "doc_number")
    return number, date, note


def _files(step: Step, data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    files = data.get("files") or {}
    missing = [K(kind).label for kind in step.required if not files.get(kind)]
    if missing:
        raise ProjectError(f"请上传{'、'.join(missing)}。", f"file_{step.required[0]}")
    checked = []
    for kind, upload in files.items():
        if upload is None:
            continue
        if kind not in step.required + step.optional:
            raise ProjectError(f"{step.label}不需要{K(kind).label}。")
        checked.append((kind, upload, check_file(upload, f"file_{kind}")))
    return checked


def _set_clock(project: Project, today: datetime.date) -> None:
    project.due_on, project.due_label = None, ""
    if project.state == S.PROPOSED and project.notice_end:
        project.due_on, project.due_label = project.notice_end, "村级公示截止"
    elif project.state == S.APPROVED and project.approval_date:
        project.due_on = clock.announce_due(project.approval_date)
        project.due_label = "批复公告"
    elif project.state == S.IMPLEMENTING and project.planned_end:
        project.due_on, project.due_label = project.planned_end, "计划完工"


def take(actor: Actor, locked: Project, code: str, data: dict[str, Any]) -> ProjectEvent:
    """Take step `code` on the locked project with the step's data (doc_number, doc_date,
    note, notice_start/notice_end, files: {kind: upload})."""
    step = STEPS.get(code)
    if step is None:
        raise ProjectError("没有这个操作。")
    if not may(actor.user, step.perm, locked.region_code):
        raise PermissionDenied(f"您的账号不能对项目进行“{step.label}”。")
    if locked.state not in step.sources:
        raise ProjectError(_refusal(locked, step))
    today = _today()
    number, date, note = _clean(step, data)
    for guard in step.guards:
        guard(locked, data, today)
    files = _files(step, data)
    from_state = locked.state
    late = False
    if code == "propose":
        locked.notice_start, locked.notice_end = data["notice_start"], data["notice_end"]
        locked.return_reason = ""
    elif step.target == S.RETURNED:
        locked.return_reason = note
    elif code == "approve":
        locked.approval_number, locked.approval_date = number, date
        late = date is not None and today > clock.entry_due(date)
        locked.entered_late = late
    elif code == "announce":
        approved = locked.approval_date
        late = approved is not None and date is not None and date > clock.announce_due(approved)
    elif code == "start":
        locked.actual_start = date
    elif code == "accept":
        locked.actual_end = date
    elif code == "roll_over":
        locked.year += 1
        locked.approval_number, locked.approval_date, locked.entered_late = "", None, False
    locked.state = step.target
    locked.state_since = timezone.now()
    _set_clock(locked, today)
    bump(locked)
    changelog.save(actor, locked, reason=f"{step.label}：{note or number}"[:100])
    event = ProjectEvent.objects.create(
        project=locked,
        step=code,
        from_state=from_state,
        to_state=step.target,
        doc_number=number,
        doc_date=date,
        note=note,
        late=late,
        actor=actor.account,
    )
    for kind, upload, extension in files:
        upload.name = f"{locked.number}-{kind}.{extension}"
        Attachment.objects.create(
            project=locked,
            event=event,
            kind=kind,
            file=upload,
            extension=extension,
            size=upload.size,
            uploaded_by=actor.account,
        )
    audit.record(
        actor,
        audit.RECORD_STATE,
        obj=locked,
        region_code=locked.region_code,
        detail={"step": code, "from": from_state, "to": step.target, "late": late},
    )
    return event
