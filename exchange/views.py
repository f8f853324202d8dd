"""数据导入 (template, upload, the job's page with its problems or result) and 导出 (the
options page reached from 管理贫困户信息 with its filters, the job's page, the file)."""

from typing import IO, Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from households.filters import LIST_PARAMS
from poverty_system.core import access, xlsx
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import EXPORT_HOUSEHOLDS_FULL, Role
from poverty_system.core.rules import roles

from . import exports, files, template
from .access import filter_jobs, get_job_for_user
from .forms import ExportForm, ImportForm
from .models import Job, JobKind, JobStatus
from .retry import JOB_PAGES, retry, retry_state
from .services import export_params, start_export, start_import

importers = roles(Role.TOWNSHIP, Role.VILLAGE)
exporters = roles(Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)

# An export keeps every parameter of the household list (its filters, search and sort).
EXPORT_PARAMS = LIST_PARAMS


def _recent(request: HttpRequest, kind: str) -> Any:
    files.purge_expired()
    return filter_jobs(Job.objects.all(), request.user, kind).order_by("-created_at")[:10]


def _import_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "exchange/import.html",
        {"form": form, "limits": xlsx.limits(), "jobs": _recent(request, JobKind.IMPORT)},
        status=status,
    )


@importers
def import_page(request: HttpRequest) -> HttpResponse:
    """数据导入: the template, the limits, the upload form and this account's imports."""
    return _import_page(request, ImportForm())


@importers
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type=xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(template.FILE_NAME)
    template.write_template(response)
    return response


@importers
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form)
    try:
        job = start_import(request.actor, form.cleaned_data["file"])
    except ActionError as exc:
        show_error(form, exc)
        return _import_page(request, form)
    return redirect("exchange:import_job", job.pk)


def _state(job: Job) -> dict[str, Any]:
    written = job.written
    if job.status == JobStatus.WRITING:
        written = files.read_progress(job.pk) or 0
    kind = "import" if job.kind == JobKind.IMPORT else "export"
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "total": job.total,
        "checked": job.checked,
        "written": written,
        "finished": job.finished,
        "error": job.error,
        "download": reverse("exchange:export_download", args=[job.pk])
        if kind == "export" and job.status == JobStatus.DONE
        else "",
        "report": reverse("exchange:import_report", args=[job.pk])
        if job.report_path and job.status == JobStatus.INVALID
        else "",
        # A finished import, and a failed job (its 重新执行), is shown by the page itself.
        "reload": kind == "import" or job.status == JobStatus.FAILED,
    }


def _job(request: HttpRequest, pk: int, kind: str) -> Job:
    job = get_job_for_user(request.user, pk)
    if job.kind != kind:
        raise Http404
    return job


@importers
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The result of an import: progress, the problems per row and column, or what it wrote;
    it reads the job, so a reload shows where it is."""
    job = _job(request, pk, JobKind.IMPORT)
    return render(
        request,
        "exchange/import_job.html",
        {
            "job": job,
            "state": _state(job),
            "problems": job.problems,
            "summary": job.summary,
            "retry": retry_state(request.user, job),
            "retry_url": reverse("exchange:import_retry", args=[job.pk]),
        },
    )


@importers
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(_state(_job(request, pk, JobKind.IMPORT)))


@importers
def import_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The file as uploaded, with an 错误信息 column and the bad cells marked."""
    job = _job(request, pk, JobKind.IMPORT)
    handle = files.STORE.open(job.report_path) if job.status == JobStatus.INVALID else None
    if handle is None:
        raise Http404
    stem = job.file_name.rsplit(".", 1)[0]
    return _file(handle, f"{stem}_错误标注.xlsx")


def _file(handle: IO[bytes], name: str) -> FileResponse:
    """A stored file streamed to the browser (FileResponse closes it)."""
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=xlsx.XLSX_CONTENT_TYPE,
    )


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"


# --- 导出 -------------------------------------------------------------------------------------


def _query(data: Any) -> dict[str, str]:
    return {k: data.get(k) for k in EXPORT_PARAMS if data.get(k)}


def _export_page(request: HttpRequest, form: ExportForm, query: dict[str, str]) -> HttpResponse:
    params = export_params(request.actor, query, request.session)
    households, region = exports.export_queryset(request.user, params)  # 404 outside
    return render(
        request,
        "exchange/export.html",
        {
            "form": form,
            "query": sorted(query.items()),
            "list_url": reverse("households:list") + ("?" + _encode(query) if query else ""),
            "scope": exports.scope_name(region, request.user),
            "filters": exports.describe(params["query"])
            + (f"；证件号码：{params['search']}" if params.get("search") else ""),
            "count": households.count(),
            "inline_max": settings.EXCHANGE_EXPORT_INLINE_MAX,
            "jobs": _recent(request, JobKind.EXPORT),
        },
    )


def _encode(query: dict[str, str]) -> str:
    from django.utils.http import urlencode

    return urlencode(query)


def _export_form(request: HttpRequest, data: Any = None) -> ExportForm:
    return ExportForm(
        data, may_export_full=access.role_allows(request.user, EXPORT_HOUSEHOLDS_FULL)
    )


@exporters
def export_page(request: HttpRequest) -> HttpResponse:
    """导出: what the list's filters select, masked or (county office) in full."""
    return _export_page(request, _export_form(request), _query(request.GET))


@exporters
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    form = _export_form(request, request.POST)
    query = _query(request.POST)
    if not form.is_valid():
        return _export_page(request, form, query)
    try:
        job = start_export(
            request.actor,
            query,
            session=request.session,
            full=form.cleaned_data.get("full") or False,
            reason=form.cleaned_data.get("reason") or "",
        )
    except ActionError as exc:
        show_error(form, exc)
        return _export_page(request, form, query)
    return redirect("exchange:export_job", job.pk)


@exporters
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk, JobKind.EXPORT)
    return render(
        request,
        "exchange/export_job.html",
        {
            "job": job,
            "state": _state(job),
            "retry": retry_state(request.user, job),
            "retry_url": reverse("exchange:export_retry", args=[job.pk]),
        },
    )


@exporters
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(_state(_job(request, pk, JobKind.EXPORT)))


@exporters
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = _job(request, pk, JobKind.EXPORT)
    handle = files.STORE.open(job.file_path) if job.status == JobStatus.DONE else None
    if handle is None:
        raise Http404
    return _file(handle, job.file_name)


# --- 重新执行 ----------------------------------------------------------------------------------


def retry_job(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """重新执行 a failed job of `kind`: the new job's page, or the old one with the reason."""
    _job(request, pk, kind)  # 404 for another account's job or another kind
    try:
        job = retry(request.actor, pk)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(JOB_PAGES[kind], pk)
    messages.success(request, "已重新执行。")
    return redirect(JOB_PAGES[kind], job.pk)


@importers
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return retry_job(request, pk, JobKind.IMPORT)


@exporters
@require_POST
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return retry_job(request, pk, JobKind.EXPORT)
