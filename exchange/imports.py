"""An import job from its upload to its result, in the request (small files) or in the
task worker (exchange.tasks.run_import_job): the safe read (poverty_system.core.xlsx), the
cells and households checked (exchange.reader), matched with the saved households
(exchange.matching), then, only if no row has a problem, written by the action
(households.services.imports.import_households). A file with problems writes nothing: the
job keeps the problems and a copy of the sheet with an error column and the bad cells
marked."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from households.services.imports import import_households
from poverty_system.core import jobfiles
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.xlsx import XlsxError, read_table

from . import files
from .layout import HEADER_MARKS
from .matching import plan_import
from .models import Job, JobStatus
from .reader import Parsed, Villages, parse_table

logger = logging.getLogger(__name__)

SHOWN_PROBLEMS = 500  # problems kept on the job for its page; the marked workbook has all


def job_actor(job: Job) -> Actor:
    """The job's owner acting without a request, with the phone its session verified."""
    return Actor(user=job.owner, phone=job.phone, ip=job.ip, request_id=job.request_id, via="task")


def _update(job: Job, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now(), **fields)


def _finish(job: Job, status: str, **fields: Any) -> None:
    """The job's end. A failed job keeps its upload (until it expires) for 重新执行; a job
    that succeeded or was refused for its content removes it."""
    if status != JobStatus.FAILED:
        files.remove(job.file_path)
        fields["file_path"] = ""
    files.clear_progress(job.pk)
    _update(
        job,
        status=status,
        finished_at=timezone.now(),
        expires_at=files.keep_until(),
        **fields,
    )


def failure_message(exc: BaseException, default: str) -> str:
    return jobfiles.DISK_FULL if jobfiles.is_disk_full(exc) else default


def progress_of(job: Job) -> Any:
    """The progress callback of a write: the progress file, then the fault tests' pause."""

    def progress(written: int) -> None:
        files.write_progress(job.pk, written)
        jobfiles.pause()

    return progress


def run_import(job_id: int) -> None:
    """Check and write one import job (its status says how far it got)."""
    job = Job.objects.select_related("owner", "phone").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return  # taken by another worker already
    _update(job, status=JobStatus.CHECKING)
    try:
        with files.heartbeat(job):
            _run(job)
    except ActionError as exc:
        _finish(job, JobStatus.FAILED, error=exc.message[:500])
    except (PermissionDenied, Http404):
        _finish(job, JobStatus.FAILED, error="您的账号不能导入到文件中的村，没有写入任何数据。")
    except Exception as exc:
        logger.exception("import job %s failed", job.pk)
        message = failure_message(exc, "导入失败，没有写入任何数据，请稍后重新执行。")
        _finish(job, JobStatus.FAILED, error=message)


def _run(job: Job) -> None:
    actor = job_actor(job)
    with files.STORE.local_copy(job.file_path) as path:
        if path is None:
            _finish(job, JobStatus.FAILED, error="上传的文件已不存在，请重新导入。")
            return
        try:
            table = read_table(path, HEADER_MARKS)
        except XlsxError as exc:
            _finish(job, JobStatus.INVALID, error=exc.message[:500])
            return
    try:
        parsed = parse_table(table, Villages(actor.user))
    except XlsxError as exc:
        _finish(job, JobStatus.INVALID, error=exc.message[:500])
        return
    _update(job, total=parsed.file_rows)
    plan = plan_import(actor, parsed, lambda checked: _update(job, checked=checked))
    summary = {
        "header_row": table.header_row,
        "sheet": table.sheet_name,
        "ignored_columns": list(parsed.mapping.unknown),
        "households": len(parsed.groups),
        "new": plan.new,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
    }
    if not parsed.report.ok:
        _invalid(job, parsed, summary)
        return
    _update(job, status=JobStatus.WRITING, checked=parsed.file_rows, summary=summary)
    result = import_households(
        actor,
        plan.households,
        file_name=job.file_name,
        rows=parsed.file_rows,
        unchanged=plan.unchanged,
        progress=progress_of(job),
    )
    summary.update(
        created=len(result.created),
        updated=result.updated,
        members_added=result.members_added,
        members_changed=result.members_changed,
        numbers=result.created[:20],
    )
    written = sum(len(h.members) for h in plan.households)
    _finish(
        job,
        JobStatus.DONE if result.changed else JobStatus.UNCHANGED,
        summary=summary,
        written=written,
    )


def _invalid(job: Job, parsed: Parsed, summary: dict[str, Any]) -> None:
    """Nothing written: the problems on the job, the marked workbook beside it."""
    report_name = files.new_name(job, ".xlsx")
    with jobfiles.writing(files.folder() / report_name) as temporary, open(temporary, "wb") as out:
        parsed.report.annotated(parsed.table, out)
    files.publish(files.folder() / report_name)
    problems = sorted(parsed.report.problems, key=lambda p: p.row)
    _finish(
        job,
        JobStatus.INVALID,
        summary=summary,
        checked=parsed.file_rows,
        problems=[[p.row, p.column, p.message] for p in problems[:SHOWN_PROBLEMS]],
        problem_count=len(problems),
        report_path=report_name,
        error=f"文件中有 {len(problems)} 处问题，没有写入任何数据。",
    )
