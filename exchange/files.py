"""The files of import and export jobs under settings.EXCHANGE_DIR: uploads (deleted once
read), marked workbooks and exports (kept EXPORT_KEEP_HOURS), and the progress file an
import writes while its one transaction runs (rows written are not visible in the database
until it commits, so the progress page reads them from here)."""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Job, JobStatus

logger = logging.getLogger(__name__)

# A running job whose row has not moved for this long lost its worker (killed, restarted).
STALE_MINUTES = 30


def folder() -> Path:
    path = Path(settings.EXCHANGE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_name(job: Job, suffix: str) -> str:
    return f"{job.pk}-{secrets.token_hex(8)}{suffix}"


def path_of(name: str) -> Path | None:
    """The stored file of a name kept on a job, or None (a name never leaves the folder)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = folder() / name
    return path if path.is_file() else None


def remove(name: str) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)


def keep_until() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)


# --- progress of an import's writing -----------------------------------------------------


def _progress_path(job_id: int) -> Path:
    return folder() / f"{job_id}.progress"


def write_progress(job_id: int, written: int) -> None:
    target = _progress_path(job_id)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"written": written}), encoding="utf-8")
    os.replace(temporary, target)


def read_progress(job_id: int) -> int | None:
    try:
        return int(json.loads(_progress_path(job_id).read_text(encoding="utf-8"))["written"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_progress(job_id: int) -> None:
    _progress_path(job_id).unlink(missing_ok=True)


# --- upkeep (the task worker runs it periodically; the pages run the purge too) ----------


def purge_expired() -> int:
    """Delete the files of jobs kept past their time; the rows stay (已过期)."""
    expired = list(
        Job.objects.filter(expires_at__lt=timezone.now())
        .exclude(status=JobStatus.EXPIRED)
        .only("pk", "file_path", "report_path")
    )
    for job in expired:
        remove(job.file_path)
        remove(job.report_path)
    Job.objects.filter(pk__in=[j.pk for j in expired]).update(status=JobStatus.EXPIRED)
    return len(expired)


def fail_stale() -> int:
    """Jobs left running by a worker that went away: failed, with their upload removed."""
    limit = timezone.now() - datetime.timedelta(minutes=STALE_MINUTES)
    stale = list(
        Job.objects.filter(
            status__in=[JobStatus.CHECKING, JobStatus.WRITING, JobStatus.BUILDING],
            updated_at__lt=limit,
        )
    )
    stale = [job for job in stale if not _moving(job.pk, limit)]
    for job in stale:
        remove(job.file_path)
        clear_progress(job.pk)
    Job.objects.filter(pk__in=[j.pk for j in stale]).update(
        status=JobStatus.FAILED,
        error="任务中断（后台任务进程已停止），没有写入任何数据，请重新操作。",
        finished_at=timezone.now(),
    )
    return len(stale)


def _moving(job_id: int, limit: datetime.datetime) -> bool:
    """An import writing in its transaction moves only its progress file."""
    try:
        changed = _progress_path(job_id).stat().st_mtime
    except OSError:
        return False
    return changed > limit.timestamp()


def upkeep() -> None:
    purge_expired()
    fail_stale()
