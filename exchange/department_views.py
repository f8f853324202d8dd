"""防止返贫监测 › 部门数据比对 (county offices): the templates per department, the upload, the
job's page (progress, the rows with problems or not found, the counts, the result workbook),
the history of the county's files and one file's hits with their leads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from households import idnumbers
from monitoring.access import IMPORT_DEPARTMENT_DATA, filter_counties
from monitoring.models import DepartmentFile, DepartmentRow, LeadSource
from poverty_system.core import xlsx
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from . import department, files
from .access import get_department_file_for_user, get_job_for_user
from .department_jobs import county_for
from .department_services import start
from .forms import DepartmentForm
from .models import Job, JobKind, JobStatus
from .retry import retry_state
from .views import _attachment, _file, _state, retry_job

county_offices = roles(Role.COUNTY)
PER_PAGE = 100


def _choices() -> list[tuple[str, str]]:
    return [(k.code, k.title) for k in department.KINDS.values()]


def _page(request: HttpRequest, form: DepartmentForm, status: int = 200) -> HttpResponse:
    county = county_for(request.user)
    history = filter_counties(DepartmentFile.objects.all(), request.user, IMPORT_DEPARTMENT_DATA)
    history = history.filter(county_code=county.code).select_related("uploaded_by")[:30]
    jobs = Job.objects.filter(owner=request.user, kind=JobKind.DEPARTMENT).order_by("-created_at")[
        :10
    ]
    return render(
        request,
        "exchange/department.html",
        {
            "county": county,
            "form": form,
            "kinds": list(department.KINDS.values()),
            "history": history,
            "jobs": jobs,
            "limits": {**xlsx.limits(), "max_rows": settings.DEPARTMENT_MAX_ROWS},
        },
        status=status,
    )


@county_offices
def department_page(request: HttpRequest) -> HttpResponse:
    """部门数据比对: the templates, the upload form, the county's files with their counts."""
    files.purge_expired()
    return _page(request, DepartmentForm(choices=_choices()))


@county_offices
def department_template(request: HttpRequest, kind: str) -> HttpResponse:
    found = department.KINDS.get(kind)
    if found is None:
        raise Http404
    county_for(request.user)
    response = HttpResponse(content_type=xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(found.file_name)
    department.write_template(response, found)
    return response


@county_offices
@require_POST
def department_upload(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST, request.FILES, choices=_choices())
    if not form.is_valid():
        return _page(request, form)
    try:
        job = start(request.actor, form.cleaned_data["file"], form.cleaned_data["department"])
    except ActionError as exc:
        show_error(form, exc)
        return _page(request, form)
    return redirect("exchange:department_job", job.pk)


def _job(request: HttpRequest, pk: int) -> Job:
    job = get_job_for_user(request.user, pk)
    if job.kind != JobKind.DEPARTMENT:
        raise Http404
    return job


def _job_state(job: Job) -> dict[str, Any]:
    state = _state(job)
    state["reload"] = True
    state["report"] = (
        reverse("exchange:department_report", args=[job.pk])
        if job.report_path and job.status == JobStatus.DONE
        else ""
    )
    return state


@county_offices
def department_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(
        request,
        "exchange/department_job.html",
        {
            "job": job,
            "state": _job_state(job),
            "problems": job.problems,
            "summary": job.summary,
            "kind": department.KINDS.get(job.params.get("department", "")),
            "retry": retry_state(request.user, job),
            "retry_url": reverse("exchange:department_retry", args=[job.pk]),
        },
    )


@county_offices
def department_status(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(_job_state(_job(request, pk)))


@county_offices
def department_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Every row of the file with its 比对结果 (预警, 未匹配, 错误, 低于预警线)."""
    job = _job(request, pk)
    found = files.STORE.open(job.report_path) if job.status == JobStatus.DONE else None
    if found is None:
        raise Http404
    stem = job.file_name.rsplit(".", 1)[0]
    return _file(found, f"{stem}_比对结果.xlsx")


@county_offices
@require_POST
def department_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return retry_job(request, pk, JobKind.DEPARTMENT)


@county_offices
def department_file(request: HttpRequest, pk: int) -> HttpResponse:
    """One file compared: its counts and its hits, each with the lead it made or joined and
    the lead's state (the outcome)."""
    record = get_department_file_for_user(request.user, pk)
    hits = (
        DepartmentRow.objects.filter(file=record)
        .select_related("member")
        .prefetch_related(
            Prefetch("sources", queryset=LeadSource.objects.select_related("lead"), to_attr="leads")
        )
        .order_by("row")
    )
    page = Paginator(hits, PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.masked_id = idnumbers.mask(row.id_number)
        row.lead = row.leads[0].lead if row.leads else None
    return render(
        request,
        "exchange/department_file.html",
        {"record": record, "page": page, "label": department.KINDS[record.department].title},
    )


urlpatterns = [
    path("department/", department_page, name="department"),
    path("department/template/<str:kind>/", department_template, name="department_template"),
    path("department/upload/", department_upload, name="department_upload"),
    path("department/jobs/<int:pk>/", department_job, name="department_job"),
    path("department/jobs/<int:pk>/status/", department_status, name="department_status"),
    path("department/jobs/<int:pk>/report/", department_report, name="department_report"),
    path("department/jobs/<int:pk>/retry/", department_retry, name="department_retry"),
    path("department/files/<int:pk>/", department_file, name="department_file"),
]
