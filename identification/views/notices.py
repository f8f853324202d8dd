"""打印村内公示 / 乡镇公示 / 公告 of a village: a printable page and a Word file."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path

from poverty_system.core import audit
from villages.access import get_region_for_user

from .. import notices
from .common import readers

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _notice(request, pk):
    village = get_region_for_user(request.user, pk)
    if village.level != "village":
        raise Http404
    stage = request.GET.get("stage", "village_publicity")
    if stage not in notices.STAGES:
        raise Http404
    year = request.GET.get("year", "")
    year_value = (
        int(year) if year.isascii() and year.isdigit() and 2014 <= int(year) <= 2100 else None
    )
    return village, notices.build(village, stage, year_value), stage


@readers
def notice(request, pk):
    _, built, stage = _notice(request, pk)
    return render(
        request,
        "identification/notice.html",
        {"notice": built, "stage": stage, "stages": notices.STAGES, "columns": notices.COLUMNS},
    )


@readers
def notice_docx(request, pk):
    """The notice as a Word file: an export of the households' names, audited with its rows."""
    village, built, stage = _notice(request, pk)
    audit.record(
        request.actor,
        audit.EXPORT,
        obj=village,
        detail={"what": built.title, "stage": stage, "rows": len(built.rows)},
    )
    response = HttpResponse(notices.docx_bytes(built), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(built.title)}.docx"
    return response


urlpatterns = [
    path("villages/<int:pk>/notice/", notice, name="notice"),
    path("villages/<int:pk>/notice.docx", notice_docx, name="notice_docx"),
]
