"""导出二维码信息: the builder the task worker (or, for a small export, the request) runs;
the action that records and starts an export is services.start_export. One .docx for a
township or a village; a zip of one .docx per township for a county. Households are read
village by village; QR images are drawn in a small process pool and written into the file as
they come, so memory stays bounded."""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from households.choices import HouseholdStatus
from households.models import Household
from poverty_system.core import jobfiles
from poverty_system.core.errors import ActionError
from poverty_system.core.filestore import FileStore
from villages.models import Region

from .docx import Card, CardDocument
from .facts import archive_facts
from .models import ArchiveToken, Export, ExportStatus
from .qr import QrMaker
from .tokens import ensure_tokens, url_maker

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 100  # households between two progress writes
STORE = FileStore("exports", lambda: settings.EXPORT_DIR)


class ExportError(ActionError):
    """A refused export, with the Chinese message to show."""


def households_in(region: Region, include_removed: bool):
    lo, hi = region.code_range
    households = Household.objects.filter(village_code__gte=lo, village_code__lt=hi)
    if not include_removed:
        households = households.exclude(status=HouseholdStatus.REMOVED)
    return households


def _scope_name(region: Region) -> str:
    """县 乡镇 村: the region's name under its county."""
    names = [
        r.name
        for r in region.get_ancestors(include_self=True)
        if r.level in ("county", "township", "village")
    ]
    return " ".join(names) or region.name


def file_name(export: Export) -> str:
    suffix = "zip" if export.region.level == "county" else "docx"
    day = timezone.localdate(export.created_at).strftime("%Y%m%d")
    return f"二维码档案_{export.region.name}_{day}.{suffix}"


def build(export_id: int, *, qr_processes: int | None = None) -> None:
    """Write the export's file and mark it done (or failed, with a Chinese message). QR
    images are drawn by EXPORT_QR_PROCESSES worker processes unless `qr_processes` says. The
    file is written under a temporary name and moved into place only when complete: a killed
    worker or a full disk never leaves a half-written file offered for download."""
    export = Export.objects.select_related("region").get(pk=export_id)
    if export.status != ExportStatus.QUEUED:
        return  # already taken by another worker
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    folder = export_folder()
    region = export.region
    is_zip = region.level == "county"
    path = folder / f"{export.pk}-{secrets.token_hex(8)}.{'zip' if is_zip else 'docx'}"
    try:
        progress = _Progress(export)
        processes = settings.EXPORT_QR_PROCESSES if qr_processes is None else qr_processes
        with heartbeat(export):
            with jobfiles.writing(path) as temporary, QrMaker(processes, export.total) as maker:
                if is_zip:
                    _write_zip(temporary, region, export, maker, progress)
                else:
                    _write_docx(temporary, region, export, maker, progress)
            size = path.stat().st_size
            STORE.publish(path)  # past one machine: into the shared store
        now = timezone.now()
        done = Export.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.DONE,
            done=progress.done,
            total=max(export.total, progress.done),
            file_path=path.name,
            file_name=file_name(export),
            file_size=size,
            finished_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
        if not done:  # failed by the stale-export sweep meanwhile: its file is not offered
            STORE.delete(path.name)
    except Exception as exc:
        logger.exception("QR archive export %s failed", export.pk)
        path.unlink(missing_ok=True)
        message = jobfiles.DISK_FULL if jobfiles.is_disk_full(exc) else "导出失败，请稍后重新执行。"
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=message, finished_at=timezone.now()
        )


def _write_zip(target: Path, region: Region, export: Export, maker: QrMaker, progress) -> None:
    """A county: one .docx per township in a zip (each written beside it, then stored)."""
    townships = list(region.get_children().order_by("code"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as bundle:
        for township in townships:
            with tempfile.NamedTemporaryFile(
                dir=target.parent, prefix=f".{export.pk}-", suffix=".docx.part"
            ) as part:
                _write_docx(part.name, township, export, maker, progress)
                bundle.write(part.name, f"{township.name}.docx")


def export_folder() -> Path:
    """The local folder exports are written in (and, on one machine, kept in)."""
    return STORE.scratch()


def heartbeat(export: Export) -> jobfiles.Heartbeat:
    return jobfiles.Heartbeat(
        Export.objects.filter(pk=export.pk), export_folder(), "export", export.pk
    )


class _Progress:
    def __init__(self, export: Export):
        self.export_id = export.pk
        self.done = 0
        self._written = 0

    def add(self, count: int) -> None:
        self.done += count
        if self.done - self._written >= PROGRESS_EVERY:
            Export.objects.filter(pk=self.export_id).update(done=self.done)
            self._written = self.done


def _write_docx(path, scope: Region, export: Export, maker: QrMaker, progress: _Progress) -> None:
    households = households_in(scope, export.include_removed)
    ensure_tokens(households.values_list("pk", flat=True).iterator(chunk_size=2000))
    count = households.count()
    villages = (
        [scope]
        if scope.level == "village"
        else list(
            Region.objects.filter(
                level="village", code__gte=scope.code_range[0], code__lt=scope.code_range[1]
            ).order_by("code")
        )
    )
    with CardDocument(path) as document:
        day = timezone.localdate().strftime("%Y年%m月%d日")
        document.cover(f"{_scope_name(scope)} 贫困户二维码档案　导出日期：{day}　共 {count} 户")
        token = ArchiveToken.objects.active().filter(household=OuterRef("pk"))
        url = url_maker()
        pending = None  # the previous village: its images are drawn while this one is read
        for village in villages:
            rows = list(
                households_in(village, export.include_removed)
                .annotate(qr_token=Subquery(token.values("token")[:1]))
                .order_by("number")
                .values("pk", "number", "head_name", "group", "qr_token")
            )
            if not rows:
                continue
            images = maker.make([url(row["qr_token"]) for row in rows])
            if pending is not None:
                _write_village(document, *pending, progress)
            pending = (village, rows, images)
        if pending is not None:
            _write_village(document, *pending, progress)
        elif not count:
            document.village(_scope_name(scope), [])


def _write_village(document: CardDocument, village: Region, rows, images, progress) -> None:
    facts = archive_facts([row["pk"] for row in rows])

    def cards():
        for row, png in zip(rows, images, strict=True):
            fact = facts[row["pk"]]
            cadre = " ".join(part for part in (fact.cadre_name, fact.cadre_phone) if part)
            yield (
                Card(
                    number=row["number"],
                    head_name=row["head_name"],
                    village=village.name,
                    group=row["group"],
                    cadre=cadre,
                    unit=fact.unit_name,
                ),
                png,
            )

    written = document.village(f"{village.name}（{len(rows)} 户）", cards())
    progress.add(written)
    jobfiles.pause()


def purge_expired() -> int:
    """Delete the files of exports kept past EXPORT_KEEP_HOURS; the rows stay (已过期)."""
    expired = list(
        Export.objects.filter(status=ExportStatus.DONE, expires_at__lt=timezone.now()).only(
            "pk", "file_path"
        )
    )
    for export in expired:
        STORE.delete(export.file_path)
    Export.objects.filter(pk__in=[e.pk for e in expired]).update(
        status=ExportStatus.EXPIRED, file_path=""
    )
    jobfiles.remove_partials(export_folder(), _alive)
    return len(expired)


def _alive() -> set[int]:
    running = Export.objects.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
    return set(running.values_list("pk", flat=True))


INTERRUPTED = "导出中断（后台任务进程已停止），可以重新执行。"


def fail_stale() -> int:
    """Exports left running by a worker that went away (no heartbeat for JOB_STALE_SECONDS):
    failed with a message; the partial file is removed by the purge."""
    limit = jobfiles.stale_limit()
    candidates = Export.objects.filter(status=ExportStatus.RUNNING).filter(
        Q(heartbeat_at__isnull=True, created_at__lt=limit) | Q(heartbeat_at__lt=limit)
    )
    folder = export_folder()
    stale = [
        e.pk
        for e in candidates.only("pk")
        if (jobfiles.last_beat(folder, "export", e.pk) or 0) < limit.timestamp()
    ]
    failed = Export.objects.filter(pk__in=stale, status=ExportStatus.RUNNING).update(
        status=ExportStatus.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    for pk in stale:
        jobfiles.beat_path(folder, "export", pk).unlink(missing_ok=True)
    if failed:
        logger.warning("%s 个二维码导出的后台进程已停止，已标记为失败。", failed)
    return failed


def upkeep() -> None:
    """The task worker's periodic job (settings.WORKER_PERIODIC_JOBS)."""
    purge_expired()
    fail_stale()


def export_file(export: Export) -> IO[bytes] | None:
    """The finished file to stream to its owner, or None (not done, expired or gone)."""
    if export.status != ExportStatus.DONE or not export.file_path:
        return None
    if export.expires_at and export.expires_at < timezone.now():
        return None
    return STORE.open(export.file_path)
