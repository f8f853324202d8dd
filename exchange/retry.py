"""重新执行: a failed job (its worker was killed, the disk was full, the database went away)
started again from the same inputs by the account that started it, with the permission
that starting it needs now, audited. An import or a 部门数据比对 reuses the upload the failed
job kept (exchange.files: a failed job's upload stays until it expires, EXPORT_KEEP_HOURS),
so the county official does not look for the file again; an export reuses its filters (a
search by ID number as the households it found, never the number)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from households.models import Member
from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import (
    CLAIM_HOUSEHOLDS,
    EXPORT_HOUSEHOLDS,
    EXPORT_HOUSEHOLDS_FULL,
)

from . import department_jobs, exports, files, imports
from .access import JOB_PERMS, get_job_for_user
from .errors import ExchangeError
from .models import Job, JobKind, JobStatus
from .tasks import run_department_job, run_export_job, run_import_job

if TYPE_CHECKING:
    from villages.models import VillagePhone

JOB_PAGES: dict[str, str] = {
    JobKind.IMPORT: "exchange:import_job",
    JobKind.EXPORT: "exchange:export_job",
    JobKind.DEPARTMENT: "exchange:department_job",
}
UPLOAD_GONE = "上传的文件已不在服务器上（已过期或已删除），请重新上传。"
EXPORT_EXPIRED = "该任务已过期，不能再重新执行；请在“导出”页按需要的条件重新导出。"


def retry_state(user: Any, job: Job) -> dict[str, Any]:
    """What a failed job's page offers: {'possible', 'hint', 'retried_url'} (the page is the
    owner's only; the button shows when the role may start such a job now)."""
    state: dict[str, Any] = {"possible": False, "hint": "", "retried_url": ""}
    if job.status == JobStatus.EXPIRED and job.error:  # it failed, then its time ran out
        state["hint"] = EXPORT_EXPIRED if job.kind == JobKind.EXPORT else UPLOAD_GONE
        return state
    if job.status != JobStatus.FAILED:
        return state
    retried = Job.objects.filter(retry_of=job).only("pk").first()
    if retried is not None:
        state["retried_url"] = reverse(JOB_PAGES[retried.kind], args=[retried.pk])
    elif not access.role_allows(user, JOB_PERMS[job.kind]):
        pass
    elif job.kind == JobKind.EXPORT:
        state.update(possible=True, hint="按原来的筛选条件重新导出。")
    elif not files.exists(job.file_path):
        state["hint"] = UPLOAD_GONE
    else:
        state.update(possible=True, hint="使用原来上传的文件重新执行，无需重新上传。")
    return state


def retry(actor: Actor, pk: Any) -> Job:
    """A new job from a failed one's inputs, started like the first. 404 for a job that is
    not the account's own (or outside its slice now), 403 for a role that may not start it."""
    old = get_job_for_user(actor.user, pk)
    access.check_role_allows(actor.user, JOB_PERMS[old.kind])
    if old.kind == JobKind.EXPORT:
        return _retry_export(actor, old)
    if old.kind == JobKind.IMPORT:
        if access.role_allows(actor.user, CLAIM_HOUSEHOLDS) and actor.phone is None:
            raise ExchangeError("请用本村登记的手机号验证登录后再导入：新户由该手机号认领。")
    else:
        department_jobs.county_for(actor.user)  # 403 for any but a county office
    return _retry_upload(actor, old)


def _locked_failed(old: Job) -> Job:
    """The failed job, locked, not yet retried (inside the action's transaction)."""
    locked = Job.objects.select_for_update().get(pk=old.pk)
    if locked.status != JobStatus.FAILED:
        raise ExchangeError("只有失败的任务可以重新执行。")
    if Job.objects.filter(retry_of=locked).exists():
        raise ExchangeError("该任务已经重新执行过，请查看新的任务。")
    return locked


def _retry_upload(actor: Actor, old: Job) -> Job:
    with transaction.atomic(durable=True):
        locked = _locked_failed(old)
        if not files.exists(locked.file_path):
            raise ExchangeError(UPLOAD_GONE)
        phone = cast("VillagePhone | None", actor.phone) if locked.kind == JobKind.IMPORT else None
        job = Job.objects.create(
            kind=locked.kind,
            owner=actor.account,
            phone=phone,
            ip=actor.ip,
            request_id=actor.request_id,
            region_code=locked.region_code,
            file_name=locked.file_name,
            file_size=locked.file_size,
            params=locked.params,
            retry_of=locked,
        )
        stored = files.new_name(job, ".xlsx")
        files.STORE.move(locked.file_path, stored)  # the upload moves to the new job
        Job.objects.filter(pk=job.pk).update(file_path=stored)
        Job.objects.filter(pk=locked.pk).update(file_path="")
        audit.record(
            actor,
            audit.IMPORT,
            obj=job,
            region_code=job.region_code,
            detail={
                "kind": "households" if job.kind == JobKind.IMPORT else "department",
                "retry_of": locked.pk,
                "file": job.file_name,
            },
        )
    if job.kind == JobKind.IMPORT:
        inline = job.file_size <= settings.EXCHANGE_IMPORT_INLINE_BYTES
        if inline:
            imports.run_import(job.pk)
        else:
            run_import_job.enqueue(job.pk)
    elif job.file_size <= settings.DEPARTMENT_INLINE_BYTES:
        department_jobs.run(job.pk)
    else:
        run_department_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _retry_export(actor: Actor, old: Job) -> Job:
    user = actor.user
    if old.full:
        access.check_role_allows(user, EXPORT_HOUSEHOLDS_FULL)
    households, region = exports.export_queryset(user, old.params)  # 404 outside the slice
    access.check_role_allows(user, EXPORT_HOUSEHOLDS)
    total = households.count()
    persons = Member.objects.filter(household__in=households, active=True).count()
    with transaction.atomic(durable=True):
        locked = _locked_failed(old)
        job = Job.objects.create(
            kind=JobKind.EXPORT,
            owner=actor.account,
            phone=cast("VillagePhone | None", actor.phone),
            ip=actor.ip,
            request_id=actor.request_id,
            region_code=locked.region_code,
            file_name=locked.file_name,
            total=total,
            params=locked.params,
            full=locked.full,
            reason=locked.reason,
            retry_of=locked,
        )
        audit.record(
            actor,
            audit.EXPORT,
            obj=job,
            region_code=job.region_code,
            detail={
                "kind": "households",
                "retry_of": locked.pk,
                "region": region.name if region is not None else "",
                "filters": exports.describe(locked.params.get("query") or {}),
                "query": locked.params.get("query") or {},
                "search": locked.params.get("search", ""),
                "households": total,
                "rows": persons,
                "full": locked.full,
                "reason": locked.reason,
            },
        )
    if total <= settings.EXCHANGE_EXPORT_INLINE_MAX:
        exports.build(job.pk)
    else:
        run_export_job.enqueue(job.pk)
    job.refresh_from_db()
    return job
