"""The actions of 数据导入 and 导出: record the job, audit an export, and run it in the
request (a small file, a few households) or hand it to the task worker. The work itself is
exchange.imports.run_import and exchange.exports.build."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from households import search
from households.filters import parse_filters, phones_for
from households.models import Member
from poverty_system.core import access, audit, xlsx
from poverty_system.core.actor import Actor
from poverty_system.core.roles import (
    CLAIM_HOUSEHOLDS,
    EXPORT_HOUSEHOLDS,
    EXPORT_HOUSEHOLDS_FULL,
    IMPORT_HOUSEHOLDS,
)
from poverty_system.core.text import clean_reason

from . import exports, files, imports
from .errors import ExchangeError
from .models import Job, JobKind
from .tasks import run_export_job, run_import_job

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser
    from villages.models import VillagePhone


def _phone(actor: Actor) -> VillagePhone | None:
    """The session's verified phone, as the job keeps it for its background work."""
    return cast("VillagePhone | None", actor.phone)


def _slice_code(user: AnyUser) -> str:
    roots = access.slice_roots(user)
    return roots[0].code if len(roots) == 1 else ""


def start_import(actor: Actor, upload: UploadedFile | None) -> Job:
    """Take an uploaded file: refuse at once what is not a bounded .xlsx, else record the job
    and check (and, if every row is right, write) it; in the task worker for a large file.
    403 for a role that may not import."""
    user = actor.user
    access.check_role_allows(user, IMPORT_HOUSEHOLDS)
    if access.role_allows(user, CLAIM_HOUSEHOLDS) and actor.phone is None:
        raise ExchangeError("请用本村登记的手机号验证登录后再导入：新户由该手机号认领。")
    if upload is None:
        raise ExchangeError("请选择要导入的 Excel 文件（.xlsx）。", "file")
    name = os.path.basename(upload.name or "导入文件.xlsx")[-100:] or "导入文件.xlsx"
    size = upload.size or 0
    if size > settings.XLSX_MAX_BYTES:
        raise ExchangeError(
            f"文件有 {size / 1048576:.1f} MB，超过上限 "
            f"{settings.XLSX_MAX_BYTES / 1048576:.0f} MB，请分批导入。",
            "file",
        )
    handle = upload.open("rb")
    try:
        xlsx.check_container(handle)  # not a workbook, a renamed zip, a zip bomb: refused now
    except xlsx.XlsxError as exc:
        raise ExchangeError(exc.message, "file") from None
    job = Job.objects.create(
        kind=JobKind.IMPORT,
        owner=actor.account,
        phone=_phone(actor),
        ip=actor.ip,
        request_id=actor.request_id,
        region_code=_slice_code(user),
        file_name=name,
        file_size=size,
    )
    if files.store_upload(job, upload) is None:  # a full disk: the job says so
        job.refresh_from_db()
        return job
    if job.file_size <= settings.EXCHANGE_IMPORT_INLINE_BYTES:
        imports.run_import(job.pk)
    else:
        run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def export_params(actor: Actor, query: dict[str, Any], session: Any) -> dict[str, Any]:
    """The export's parameters from the list's: a search by ID number (kept in the session
    under `s`) becomes the households it found, so the number is never stored."""
    query = {k: v for k, v in query.items() if k != "page" and v not in ("", None)}
    params: dict[str, Any] = {}
    if query.get("s"):
        _, filters = parse_filters(query, phones=phones_for(actor.user), session=session)
        query.pop("s")
        if filters.search is not None and filters.search.is_id:
            params["query"] = query
            households, _ = exports.export_queryset(actor.user, {"query": query})
            found = households.filter(search.household_filter(filters.search))
            params["pks"] = list(found.values_list("pk", flat=True)[:1000])
            params["search"] = filters.search.shown
            return params
    params["query"] = query
    return params


def start_export(
    actor: Actor,
    query: dict[str, Any],
    *,
    session: Any = None,
    full: bool = False,
    reason: str = "",
) -> Job:
    """Export the households of the list's filters: audited (who, filters, rows; a full
    export its reason), built in the request for up to EXCHANGE_EXPORT_INLINE_MAX households,
    in the task worker beyond. 403 for a role that may not export (or not in full), 404 for
    a region outside the slice."""
    user = actor.user
    access.check_role_allows(user, EXPORT_HOUSEHOLDS)
    if full:
        access.check_role_allows(user, EXPORT_HOUSEHOLDS_FULL)
        reason = clean_reason(
            reason,
            "导出原因",
            limit=200,
            missing="导出完整的证件号码和联系电话须填写导出原因。",
            error=ExchangeError,
        )
    else:
        reason = ""
    params = export_params(actor, query, session)
    households, region = exports.export_queryset(user, params)
    total = households.count()
    persons = Member.objects.filter(household__in=households, active=True).count()
    region_code = region.code if region is not None else _slice_code(user)
    with transaction.atomic(durable=True):
        job = Job.objects.create(
            kind=JobKind.EXPORT,
            owner=actor.account,
            phone=_phone(actor),
            ip=actor.ip,
            request_id=actor.request_id,
            region_code=region_code,
            file_name=exports.file_name(exports.scope_name(region, user)),
            total=total,
            params=params,
            full=full,
            reason=reason,
        )
        audit.record(
            actor,
            audit.EXPORT,
            obj=job,
            region_code=region_code,
            detail={
                "kind": "households",
                "region": region.name if region is not None else "",
                "filters": exports.describe(params["query"]),
                "query": params["query"],
                "search": params.get("search", ""),
                "households": total,
                "rows": persons,
                "full": full,
                "reason": reason,
            },
        )
    if total <= settings.EXCHANGE_EXPORT_INLINE_MAX:
        exports.build(job.pk)
    else:
        run_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job
