"""The files of import and export jobs under settings.EXCHANGE_DIR: uploads (deleted once
the job succeeded or was refused; a failed job keeps its upload for 重新执行 until it
expires), marked workbooks and exports (kept EXPORT_KEEP_HOURS; written under a temporary
name and moved into place when complete, poverty_system.core.jobfiles), and the progress file an
import writes while its one transaction runs (rows written are not visible in the database
until it commits, so the progress page reads them from here)."""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from poverty_system.core import jobfiles

from .models import RUNNING, Job, JobStatus

logger = logging.getLogger(__name__)


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


def store_upload(job: Job, upload: Any) -> str | None:
    """Keep an uploaded file for its job (written whole or not at all): its stored name, or
    None when the disk is full (the job is then failed with the message)."""
    stored = new_name(job, ".xlsx")
    try:
        with jobfiles.writing(folder() / stored) as temporary, open(temporary, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
    except OSError as exc:
        if not jobfiles.is_disk_full(exc):
            raise
        logger.warning("upload of job %s: disk full", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=jobfiles.DISK_FULL, finished_at=timezone.now()
        )
        return None
    Job.objects.filter(pk=job.pk).update(file_path=stored)
    return stored


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

INTERRUPTED = "任务中断（后台任务进程已停止），没有写入任何数据，可以重新执行。"


def purge_expired() -> int:
    """Delete the files of jobs kept past their time (exports, marked workbooks, the upload
    a failed import keeps for 重新执行); the rows stay (已过期)."""
    expired = list(
        Job.objects.filter(expires_at__lt=timezone.now())
        .exclude(status=JobStatus.EXPIRED)
        .only("pk", "file_path", "report_path")
    )
    for job in expired:
        remove(job.file_path)
        remove(job.report_path)
    Job.objects.filter(pk__in=[j.pk for j in expired]).update(
        status=JobStatus.EXPIRED, file_path="", report_path=""
    )
    jobfiles.remove_partials(folder(), _alive)
    return len(expired)


def _alive() -> set[int]:
    return set(
        Job.objects.filter(status__in=[JobStatus.QUEUED, *RUNNING]).values_list("pk", flat=True)
    )


def heartbeat(job: Job) -> jobfiles.Heartbeat:
    """The running job's heartbeat: `with files.heartbeat(job): ...`."""
    return jobfiles.Heartbeat(Job.objects.filter(pk=job.pk), folder(), "job", job.pk)


def fail_stale() -> int:
    """Jobs left running by a worker that went away (no heartbeat, no progress for
    JOB_STALE_SECONDS): failed with a message; an import keeps its upload for 重新执行."""
    limit = jobfiles.stale_limit()
    candidates = Job.objects.filter(status__in=RUNNING, updated_at__lt=limit).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=limit)
    )
    stale = [job.pk for job in candidates.only("pk") if not _moving(job.pk, limit)]
    now = timezone.now()
    failed = Job.objects.filter(pk__in=stale, status__in=RUNNING).update(
        status=JobStatus.FAILED,
        error=INTERRUPTED,
        finished_at=now,
        expires_at=keep_until(),
        updated_at=now,
    )
    for pk in stale:
        clear_progress(pk)
        jobfiles.beat_path(folder(), "job", pk).unlink(missing_ok=True)
    if failed:
        logger.warning("%s 个导入导出任务的后台进程已停止，已标记为失败。", failed)
    return failed


def _moving(job_id: int, limit: datetime.datetime) -> bool:
    """An import writing in its transaction moves only its progress file and its beat file
    (SQLite: the row cannot be stamped meanwhile)."""
    stamps = [jobfiles.last_beat(folder(), "job", job_id)]
    try:
        stamps.append(_progress_path(job_id).stat().st_mtime)
    except OSError:
        pass
    return any(stamp is not None and stamp > limit.timestamp() for stamp in stamps)


def upkeep() -> None:
    purge_expired()
    fail_stale()
