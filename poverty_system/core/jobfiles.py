"""What every background job that writes a file shares (exchange's imports and exports, the
QR archives): a file is written under a temporary name in its own folder and moved into
place only when complete, so a half-written file is never offered; a full disk is told
apart from other failures; and a running job beats a heartbeat that the stale-job sweeps
read, so that a long job whose worker is alive is never failed, and one whose worker was
killed is.

The heartbeat is two stamps, either of which keeps the job alive: its row's `heartbeat_at`
(read by the sweep of any worker on any machine, PostgreSQL) and the mtime of a beat file
beside the job's files (SQLite holds one writer at a time: while an import's transaction
writes, the row cannot be stamped, the file can)."""

from __future__ import annotations

import contextlib
import datetime
import errno
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DISK_FULL = "磁盘空间不足，文件没有写完，已删除未完成的文件；请联系系统管理员清理磁盘后重新执行。"


def is_disk_full(exc: BaseException) -> bool:
    """An OSError that says the disk (or the file size limit) is full, anywhere in the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in DISK_FULL_ERRNOS:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def temporary_name(final: Path) -> Path:
    """A hidden name beside `final` (same folder, so os.replace is atomic); the jobs' name
    checks refuse names that start with a dot, so it is never served."""
    return final.with_name(f".{final.name}.{secrets.token_hex(4)}.part")


@contextlib.contextmanager
def writing(final: Path) -> Iterator[Path]:
    """Write into the yielded temporary path; on leaving the block the file is flushed to
    disk and moved to `final`, or, on an exception, removed (and the exception goes on)."""
    temporary = temporary_name(final)
    try:
        yield temporary
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_partials(folder: Path, alive: Callable[[], set[int]]) -> int:
    """Temporary files left by a process killed while writing (no `finally` ran): those of
    jobs that are no longer queued or running (`alive()`, asked only when a partial file is
    there). A partial's name starts with its job's id; its mtime says nothing (a workbook is
    written to its file only at the end)."""
    partials = list(folder.glob(".*.part")) if folder.is_dir() else []
    if not partials:
        return 0
    running = alive()
    removed = 0
    for path in partials:
        owner = path.name[1:].split("-", 1)[0]
        if owner.isdigit() and int(owner) in running:
            continue
        try:
            path.unlink()
            removed += 1
        except OSError:
            continue
    return removed


# --- heartbeat ------------------------------------------------------------------------------


def beat_path(folder: Path, kind: str, pk: int) -> Path:
    return folder / f"{kind}-{pk}.beat"


def last_beat(folder: Path, kind: str, pk: int) -> float | None:
    try:
        return beat_path(folder, kind, pk).stat().st_mtime
    except OSError:
        return None


def stale_limit() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)


class Heartbeat:
    """While the block runs, a thread stamps `queryset` (the job's row) with heartbeat_at and
    touches the beat file every JOB_HEARTBEAT_SECONDS (0: no thread; the tests' default)."""

    def __init__(self, queryset: Any, folder: Path, kind: str, pk: int):
        self.queryset = queryset
        self.path = beat_path(folder, kind, pk)
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        seconds = settings.JOB_HEARTBEAT_SECONDS
        self._touch()
        if seconds > 0:
            self.thread = threading.Thread(
                target=self._loop, args=(seconds,), name="job-heartbeat", daemon=True
            )
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
        self.path.unlink(missing_ok=True)

    def _touch(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError:  # a full disk: the row's stamp still beats
            logger.warning("heartbeat file %s could not be touched", self.path)

    def _loop(self, seconds: float) -> None:
        try:
            while not self.stop.wait(seconds):
                self._touch()
                try:
                    self.queryset.update(heartbeat_at=timezone.now())
                except Exception:  # SQLite locked by the job's own transaction: the file beats
                    logger.debug("heartbeat row not stamped", exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def pause() -> None:
    """JOB_BATCH_PAUSE_SECONDS after a batch (the fault tests' slow jobs; 0 in production)."""
    seconds = settings.JOB_BATCH_PAUSE_SECONDS
    if seconds > 0:
        threading.Event().wait(seconds)
