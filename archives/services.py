"""The action of 导出二维码信息: record the export and start it. The file itself is written by
export.build, in the request or in the task worker (tasks.export_archives)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import EXPORT_QR
from villages.access import get_region_for_user

from .export import ExportError, build, households_in, purge_expired
from .models import Export, ExportStatus
from .tasks import export_archives


def start_export(
    actor: Actor,
    region_pk: object,
    *,
    include_removed: bool = False,
    retry_of: Export | None = None,
) -> Export:
    """Record an export of the region's households and start it: in the request for up to
    EXPORT_INLINE_MAX households, in the task worker beyond. 404 outside the slice, 403
    without EXPORT_QR; audited. `retry_of`: the failed export this one runs again."""
    region = get_region_for_user(actor.user, region_pk, EXPORT_QR)
    if not access.can_export_qr(actor.user, region):
        raise ExportError("请在左侧选择一个县、乡镇或村后再导出。")
    purge_expired()
    with transaction.atomic(durable=True):
        if retry_of is not None:
            _check_retry(retry_of)
        total = households_in(region, include_removed).count()
        export = Export.objects.create(
            owner=actor.account,
            region=region,
            region_code=region.code,
            include_removed=include_removed,
            total=total,
            retry_of=retry_of,
        )
        audit.record(
            actor,
            audit.EXPORT,
            obj=export,
            region_code=region.code,
            detail={
                "kind": "qr_archives",
                "region": region.name,
                "count": total,
                "include_removed": include_removed,
                **({"retry_of": retry_of.pk} if retry_of is not None else {}),
            },
        )
    if total <= settings.EXPORT_INLINE_MAX:
        build(export.pk, qr_processes=0)  # ~1.3 ms a code: no worker processes in the web
    else:
        export_archives.enqueue(export.pk)
    export.refresh_from_db()
    return export


def _check_retry(failed: Export) -> None:
    """Inside the transaction: the failed export, locked, not retried yet."""
    locked = Export.objects.select_for_update().get(pk=failed.pk)
    if locked.status != ExportStatus.FAILED:
        raise ExportError("只有失败的导出可以重新执行。")
    if Export.objects.filter(retry_of=locked).exists():
        raise ExportError("该导出已经重新执行过，请查看新的导出。")


def retry_export(actor: Actor, export: Export) -> Export:
    """重新执行 a failed export (the caller found it as the account's own): the same region
    and options, with the permission the first needed now."""
    return start_export(
        actor, export.region_id, include_removed=export.include_removed, retry_of=export
    )
