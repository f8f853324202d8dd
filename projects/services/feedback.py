"""在线反馈: the public leaves feedback on a notice's page; it lands in the county's inbox
with a deadline to answer; the answer is published without the sender's data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.text import PHONE_RE

from .. import clock
from ..access import ANSWER_FEEDBACK, filter_by_slice, may
from ..errors import ProjectError
from ..models import Feedback, Notice
from ..privacy import find_private

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


def submit(notice: Notice, *, name: str, phone: str, text: str) -> Feedback:
    name, phone, text = (name or "").strip(), (phone or "").strip(), (text or "").strip()
    if len(name) > 30:
        raise ProjectError("姓名不能超过 30 字。", "name")
    if not PHONE_RE.match(phone):
        raise ProjectError("请填写 11 位手机号码，以便答复。", "phone")
    if len(text) < 5:
        raise ProjectError("请填写反馈内容（至少 5 个字）。", "text")
    if len(text) > 500:
        raise ProjectError("反馈内容不能超过 500 字。", "text")
    today = timezone.localdate()
    with transaction.atomic(durable=True):
        return Feedback.objects.create(
            notice=notice,
            county_code=notice.county_code,
            name=name,
            phone=phone,
            text=text,
            answer_due=clock.add_working_days(today, clock.rule("feedback_answer_working_days")),
        )


def get_feedback(user: AnyUser, pk: Any) -> Feedback:
    try:
        found = filter_by_slice(Feedback.objects.all(), user, ANSWER_FEEDBACK, "county_code").get(
            pk=pk
        )
    except (Feedback.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return found


def answer(actor: Actor, pk: Any, text: str) -> Feedback:
    text = (text or "").strip()
    with transaction.atomic(durable=True):
        found = get_feedback(actor.user, pk)
        if not may(actor.user, ANSWER_FEEDBACK, found.county_code):
            raise PermissionDenied
        found = Feedback.objects.select_for_update().get(pk=found.pk)
        if found.answered_at:
            raise ProjectError("这条反馈已答复。")
        if not text:
            raise ProjectError("请填写答复。", "answer")
        if len(text) > 500:
            raise ProjectError("答复不能超过 500 字。", "answer")
        if find_private(text):
            raise ProjectError("答复将公开发布，不能含身份证号、手机号或银行卡号。", "answer")
        found.answer, found.answered_at, found.answered_by = text, timezone.now(), actor.account
        found.save(update_fields=["answer", "answered_at", "answered_by"])
        audit.record(
            actor, audit.FEEDBACK_ANSWER, obj=found, region_code=found.county_code, detail={}
        )
    return found


def reveal_phone(actor: Actor, pk: Any) -> str:
    found = get_feedback(actor.user, pk)
    audit.record(actor, audit.REVEAL_PHONE, obj=found, region_code=found.county_code)
    return found.phone
