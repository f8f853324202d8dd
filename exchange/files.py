"""The files of import and export jobs, written under settings.EXCHANGE_DIR and kept in the
exchange store (that folder, or a shared bucket: poverty_system.core.filestore): uploads
(deleted once the job succeeded or was refused; a failed job keeps its upload for 重新执行
until it expires), marked workbooks and exports (kept EXPORT_KEEP_HOURS; written under a
temporary name and moved into place when complete, poverty_system.core.jobfiles), and the
progress of an import's one transaction (rows written are not visible in the database until
it commits, so the progress page reads them from a file here and, with a shared cache, from
the cache)."""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from poverty_system.core import jobfiles
from poverty_system.core.filestore import FileStore

from .models import RUNNING, Job, JobStatus

logger = logging.getLogger(__name__)

STORE = FileStore("exchange", lambda: settings.EXCHANGE_DIR)
STORE_UNAVAILABLE = "文件存储暂时无法访问，文件没有保存；请稍后重新执行。"


def folder() -> Path:
    """The local folder jobs write in (and, on one machine, keep their files in)."""
    return STORE.scratch()


def new_name(job: Job, suffix: str) -> str:
    return f"{job.pk}-{secrets.token_hex(8)}{suffix}"


def exists(name: str) -> bool:
    """A name kept on a job still names a stored file (a name never leaves the store)."""
    return STORE.exists(name)


def publish(path: Path) -> int:
    """Keep a complete file written in folder(): its size in bytes."""
    size = path.stat().st_size
    STORE.publish(path)
    return size


def store_upload(job: Job, upload: Any) -> str | None:
    """Keep an uploaded file for its job (written whole or not at all): its stored name, or
    None when the disk is full or the store cannot be reached (the job is then failed with
    the message)."""
    stored = new_name(job, ".xlsx")
    try:
        with jobfiles.writing(folder() / stored) as temporary, open(temporary, "wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
        publish(folder() / stored)
    except Exception as exc:
        full = jobfiles.is_disk_full(exc)
        logger.warning("upload of job %s not kept", job.pk, exc_info=not full)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=jobfiles.DISK_FULL if full else STORE_UNAVAILABLE,
            finished_at=timezone.now(),
        )
        return None
    Job.objects.filter(pk=job.pk).update(file_path=stored)
    return stored


def remove(name: str) -> None:
    STORE.delete(name)


def keep_until() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)


# --- progress of an import's writing -----------------------------------------------------


def _progress_path(job_id: int) -> Path:
    return folder() / f"{job_id}.progress"


def _progress_key(job_id: int) -> str:
    return f"exchange:progress:{job_id}"


def write_progress(job_id: int, written: int) -> None:
    """In the local file (the worker's machine; the stale sweep reads its time) and in the
    cache: with a shared one (CACHE_URL) any app server's progress page sees it."""
    target = _progress_path(job_id)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"written": written}), encoding="utf-8")
    os.replace(temporary, target)
    if settings.CACHE_URL:
        cache.set(_progress_key(job_id), written, timeout=24 * 3600)


def read_progress(job_id: int) -> int | None:
    shared = cache.get(_progress_key(job_id)) if settings.CACHE_URL else None
    if isinstance(shared, int):
        return shared
    try:
        return int(json.loads(_progress_path(job_id).read_text(encoding="utf-8"))["written"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_progress(job_id: int) -> None:
    _progress_path(job_id).unlink(missing_ok=True)
    if settings.CACHE_URL:
        cache.delete(_progress_key(job_id))


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
