"""部门数据比对 as a job of exchange (the pattern of 09's imports): the upload is refused at
once when it is not a bounded .xlsx or the county compared the same file already; else the
job is recorded and run in the request (a small file) or by the task worker
(exchange.tasks.run_department_job), and its page reads the job: progress, the rows with a
problem or not found in the county, the counts, the result workbook (every row with its
比对结果)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied

from monitoring.access import IMPORT_DEPARTMENT_DATA
from poverty_system.core import access, jobfiles, xlsx
from poverty_system.core.errors import ActionError
from villages.models import Level, Region

from . import department, files
from .imports import _finish, _update, failure_message, job_actor, progress_of
from .models import Job, JobStatus

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

logger = logging.getLogger(__name__)


def office_county(user: AnyUser) -> Region | None:
    """The one county a county office compares department data for, else None."""
    if not access.is_active_account(user) or not access.role_allows(user, IMPORT_DEPARTMENT_DATA):
        return None
    regions = [
        r for r in access.regions_with(user, IMPORT_DEPARTMENT_DATA) if r.level == Level.COUNTY
    ]
    return regions[0] if len(regions) == 1 else None  # type: ignore[return-value]


def county_for(user: AnyUser) -> Region:
    """403 for an account that may not compare department data."""
    access.check_role_allows(user, IMPORT_DEPARTMENT_DATA)
    county = office_county(user)
    if county is None:
        raise PermissionDenied("只有县扶贫办可以进行部门数据比对。")
    return county


def run(job_id: int) -> None:
    """Compare one department job (its status says how far it got)."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return
    _update(job, status=JobStatus.CHECKING)
    try:
        with files.heartbeat(job):
            _run(job)
    except ActionError as exc:
        _finish(job, JobStatus.INVALID, error=exc.message[:500])
    except PermissionDenied:
        _finish(job, JobStatus.FAILED, error="您的账号不能进行部门数据比对，没有写入任何数据。")
    except Exception as exc:
        logger.exception("department job %s failed", job.pk)
        message = failure_message(exc, "比对失败，没有写入任何数据，请稍后重新执行。")
        _finish(job, JobStatus.FAILED, error=message)


def _run(job: Job) -> None:
    actor = job_actor(job)
    county = county_for(actor.user)
    if county.code != job.params.get("county"):
        raise PermissionDenied
    kind = department.kind_of(job.params.get("department", ""))
    try:
        with files.STORE.local_copy(job.file_path) as path:
            if path is None:
                _finish(job, JobStatus.FAILED, error="上传的文件已不存在，请重新上传。")
                return
            table = xlsx.read_table(
                path, department.marks(kind), max_rows=settings.DEPARTMENT_MAX_ROWS
            )
        _update(job, status=JobStatus.WRITING, total=len(table.rows))
        report_name = files.new_name(job, ".xlsx")

        def keep_result(outcome: department.Outcome) -> None:
            """The result workbook, kept before the comparison commits: a full disk or an
            unreachable store leaves no lead written and the upload for 重新执行."""
            target = files.folder() / report_name
            with jobfiles.writing(target) as temporary, open(temporary, "wb") as out:
                department.write_result(out, table, outcome)
            files.publish(target)

        try:
            record, outcome = department.compare(
                actor,
                county,
                kind,
                table,
                file_name=job.file_name,
                sha=job.params["sha256"],
                progress=progress_of(job),
                before_commit=keep_result,
            )
        except BaseException:
            files.remove(report_name)  # kept, then the commit failed: not offered anywhere
            raise
    except xlsx.XlsxError as exc:
        _finish(job, JobStatus.INVALID, error=exc.message[:500])
        return
    problems = sorted(outcome.problems, key=lambda p: p.row)
    summary: dict[str, Any] = {
        **outcome.summary(),
        "file": record.pk,
        "department": kind.code,
        "department_label": kind.title,
        "header_row": table.header_row,
        "sheet": table.sheet_name,
    }
    _finish(
        job,
        JobStatus.DONE,
        summary=summary,
        checked=outcome.rows,
        written=outcome.hits,
        problems=[[p.row, p.column, p.message] for p in problems[: department.SHOWN_PROBLEMS]],
        problem_count=len(problems),
        report_path=report_name,
    )
