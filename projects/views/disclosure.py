"""公开公示: the public page of a notice (no login, phone width) with its feedback form; the
board document; 公开公示信息查询; the county's inbox of feedback (在线反馈)."""

from urllib.parse import quote

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from archives import ratelimit
from poverty_system.core import audit
from poverty_system.core.actor import client_ip
from poverty_system.core.formatting import mask_phone
from poverty_system.core.roles import Role
from poverty_system.core.rules import public, roles

from .. import disclosure, listing
from ..errors import ProjectError
from ..models import Notice
from ..services import feedback as actions
from .common import project_readers

FEEDBACK_PER_HOUR = 5
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _notice_by_token(token):
    try:
        return Notice.objects.select_related(
            "project", "project__region", "project__implementing_unit"
        ).get(token=token)
    except Notice.DoesNotExist:
        return None


def _feedback_budget_left(ip) -> bool:
    key = f"project-feedback:{ip}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3700)
    try:
        return cache.incr(key) <= FEEDBACK_PER_HOUR
    except ValueError:
        return True


def _public(request, notice, form_errors=None, sent=False, status=200):
    answers = notice.feedback.filter(answered_at__isnull=False).values("answer", "answered_at")
    return render(
        request,
        "projects/public.html",
        {
            "facts": disclosure.facts(notice),
            "notice": notice,
            "answers": answers,
            "errors": form_errors or {},
            "sent": sent,
            "posted": request.POST if form_errors else {},
        },
        status=status,
    )


@public
def public_page(request, token):
    ip = client_ip(request)
    if ratelimit.exceeded(ip):
        return HttpResponse(
            "访问过于频繁，请稍后再试。", status=429, content_type="text/plain; charset=utf-8"
        )
    notice = _notice_by_token(token)
    if notice is None:
        ratelimit.count(ip, ratelimit.MISS_COST)
        return HttpResponse("未找到此公告。", status=404, content_type="text/plain; charset=utf-8")
    ratelimit.count(ip)
    return _public(request, notice, sent=request.GET.get("sent") == "1")


@public
@require_POST
def feedback(request, token):
    ip = client_ip(request)
    notice = _notice_by_token(token)
    if notice is None or ratelimit.exceeded(ip):
        ratelimit.count(ip, ratelimit.MISS_COST)
        return HttpResponse("未找到此公告。", status=404, content_type="text/plain; charset=utf-8")
    if not _feedback_budget_left(ip):
        return HttpResponse(
            "提交过于频繁，请稍后再试。", status=429, content_type="text/plain; charset=utf-8"
        )
    try:
        actions.submit(
            notice,
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
            text=request.POST.get("text", ""),
        )
    except ProjectError as exc:
        return _public(request, notice, form_errors={exc.field: exc.message}, status=200)
    return redirect(f"{request.path.rsplit('feedback/', 1)[0]}?sent=1")


@project_readers
def notices(request):
    """项目公开公示信息查询 / 资金公开公示信息查询 by region and year."""
    found = listing.notices(request.user, request.GET)
    money = request.resolver_match.url_name == "fund_notices"
    return render(request, "projects/notices.html", {**found, "money": money})


@project_readers
def board(request, pk):
    notice = listing.readable_notice(request.user, pk)
    if notice is None:
        raise Http404
    audit.record(
        request.actor,
        audit.EXPORT,
        obj=notice,
        region_code=notice.region_code,
        detail={"what": "公示牌"},
    )
    name = quote(f"{notice.get_kind_display()}-{notice.project.number}.docx")
    response = HttpResponse(disclosure.board_document(notice), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@roles(Role.COUNTY)
def inbox(request):
    page = listing.inbox(request.user, request.GET)
    return render(request, "projects/inbox.html", {"page": page, "today": timezone.localdate()})


@roles(Role.COUNTY)
def feedback_detail(request, pk):
    item = actions.get_feedback(request.user, pk)
    return render(
        request,
        "projects/feedback.html",
        {"item": item, "phone": mask_phone(item.phone), "today": timezone.localdate()},
    )


@roles(Role.COUNTY)
@require_POST
def feedback_reveal(request, pk):
    item = actions.get_feedback(request.user, pk)
    phone = actions.reveal_phone(request.actor, item.pk)
    return render(
        request,
        "projects/feedback.html",
        {"item": item, "phone": phone, "revealed": True, "today": timezone.localdate()},
    )


@roles(Role.COUNTY)
@require_POST
def feedback_answer(request, pk):
    item = actions.get_feedback(request.user, pk)
    try:
        actions.answer(request.actor, item.pk, request.POST.get("answer", ""))
    except ProjectError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已答复，答复内容已在公开页面发布（不含反馈人信息）。")
    return redirect("projects:feedback", pk=item.pk)


urlpatterns = [
    path("notices/", notices, name="notices"),
    path("notices/funds/", notices, name="fund_notices"),
    path("notices/<int:pk>/board/", board, name="notice_board"),
    path("feedback/", inbox, name="inbox"),
    path("feedback/<int:pk>/", feedback_detail, name="feedback"),
    path("feedback/<int:pk>/reveal/", feedback_reveal, name="feedback_reveal"),
    path("feedback/<int:pk>/answer/", feedback_answer, name="feedback_answer"),
]

public_urlpatterns = [
    path("p/<str:token>/", public_page, name="project_notice_public"),
    path("p/<str:token>/feedback/", feedback, name="project_notice_feedback"),
]
