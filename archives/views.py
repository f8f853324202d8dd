"""Views of the QR archives: the public page a code opens, 导出二维码信息 with its progress
page and downloads (我的导出), and the office page that reissues a household's code."""

import base64

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from households.access import get_household_for_user
from poverty_system.core import access
from poverty_system.core.actor import client_ip
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import EXPORT_QR, MANAGE_QR_CODES, VIEW, Role
from poverty_system.core.rules import public, roles
from villages.access import get_region_for_user

from . import ratelimit, tokens
from .export import export_file, households_in, purge_expired
from .facts import archive_facts
from .models import Export, ExportStatus
from .qr import make_png
from .services import retry_export, start_export

exporters = roles(Role.COUNTY, Role.TOWNSHIP)


# --- the public page --------------------------------------------------------------------


def _plain(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "archives/public_message.html",
        {"title": title, "message": message},
        status=status,
    )


@public
def public_page(request: HttpRequest, token: str) -> HttpResponse:
    """What a scanned door-plate code opens: no login, nothing private."""
    ip = client_ip(request)
    if ratelimit.exceeded(ip):
        return _plain(request, 429, "访问过于频繁", "访问过于频繁，请稍后再试。")
    found = tokens.find(token)
    if found is None or not found.active:
        ratelimit.count(ip, ratelimit.MISS_COST)
        message = (
            "此二维码已失效，请向村委会或乡镇扶贫办索取新的二维码。"
            if found is not None
            else "未找到此二维码对应的贫困户档案。"
        )
        return _plain(request, 404, "此二维码已失效" if found else "二维码无效", message)
    ratelimit.count(ip)
    household = found.household
    facts = archive_facts([household])[household.pk]
    user = request.user
    full_record = None
    if user.is_authenticated and access.has_code_perm(user, VIEW, household.village_code):
        full_record = reverse("households:detail", args=[household.pk])
    return render(
        request,
        "archives/public.html",
        {
            "village": household.village.name,
            "group": household.group,
            "head_name": household.head_name,
            "number": household.number,
            "status": household.get_status_display(),
            "facts": facts,
            "year": current_year(),
            "full_record": full_record,
            "token": token,
        },
    )


# --- 导出二维码信息 ---------------------------------------------------------------------------


def _region_param(request: HttpRequest) -> str | None:
    value = request.POST.get("region") or request.GET.get("region")
    if not value:
        raise Http404
    return value


@exporters
def export_form(request: HttpRequest) -> HttpResponse:
    """The confirmation page: the region, how many households, whether to add removed ones."""
    region = get_region_for_user(request.user, _region_param(request), EXPORT_QR)
    allowed = access.can_export_qr(request.user, region)
    return render(
        request,
        "archives/export_form.html",
        {
            "region": region,
            "allowed": allowed,
            "count": households_in(region, False).count() if allowed else 0,
            "removed": households_in(region, True).count() if allowed else 0,
        },
    )


@exporters
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    try:
        export = start_export(
            request.actor,
            _region_param(request),
            include_removed=request.POST.get("include_removed") == "1",
        )
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("households:list")
    return redirect("archives:export_progress", export.pk)


def _own_export(request: HttpRequest, pk: int) -> Export:
    """The account's own export, on a region where it still holds EXPORT_QR; else 404."""
    export = Export.objects.select_related("region").filter(owner=request.user, pk=pk).first()
    if export is None or not access.has_region_perm(request.user, EXPORT_QR, export.region):
        raise Http404
    return export


def _status(export: Export) -> dict:
    return {
        "status": export.status,
        "status_label": export.get_status_display(),
        "done": export.done,
        "total": export.total,
        "finished": export.finished,
        "download": reverse("archives:export_download", args=[export.pk])
        if export.status == ExportStatus.DONE
        else "",
        "error": export.error,
    }


@exporters
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    export = _own_export(request, pk)
    return render(
        request,
        "archives/progress.html",
        {"export": export, "state": _status(export), "retry": _retry_state(export)},
    )


def _retry_state(export: Export) -> dict:
    """重新执行 on a failed export's page (the keys of exchange's, templates/exchange/_retry)."""
    state = {"possible": False, "hint": "", "retried_url": ""}
    if export.status != ExportStatus.FAILED:
        return state
    retried = Export.objects.filter(retry_of=export).only("pk").first()
    if retried is not None:
        state["retried_url"] = reverse("archives:export_progress", args=[retried.pk])
    else:
        state.update(possible=True, hint="按原来的区域重新导出。")
    return state


@exporters
@require_POST
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    failed = _own_export(request, pk)  # 404 for another account's, or outside the slice now
    try:
        export = retry_export(request.actor, failed)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("archives:export_progress", failed.pk)
    messages.success(request, "已重新执行。")
    return redirect("archives:export_progress", export.pk)


@exporters
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(_status(_own_export(request, pk)))


@exporters
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    export = _own_export(request, pk)
    handle = export_file(export)
    if handle is None:
        return _plain(request, 404, "文件不存在", "导出文件不存在或已过期，请重新导出。")
    content_type = (
        "application/zip"
        if export.file_path.endswith(".zip")
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return FileResponse(
        handle,  # FileResponse closes it
        as_attachment=True,
        filename=export.file_name,
        content_type=content_type,
    )


@exporters
def export_list(request: HttpRequest) -> HttpResponse:
    """我的导出: this account's exports, newest first."""
    purge_expired()
    exports = (
        Export.objects.filter(owner=request.user)
        .select_related("region")
        .order_by("-created_at")[:50]
    )
    return render(request, "archives/export_list.html", {"exports": exports})


# --- a household's code (offices) -------------------------------------------------------


@exporters
def household_code(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk, MANAGE_QR_CODES)
    token = tokens.active_token(household)
    url = tokens.public_url(token.token)
    image = base64.b64encode(make_png(url)).decode()
    revoked = household.archive_tokens.ended().count()
    return render(
        request,
        "archives/household_code.html",
        {"household": household, "url": url, "image": image, "revoked": revoked},
    )


@exporters
@require_POST
def household_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    tokens.reissue(request.actor, pk)
    messages.success(request, "已重新生成二维码，原二维码已失效，请重新打印门牌。")
    return redirect("archives:household_code", pk)
