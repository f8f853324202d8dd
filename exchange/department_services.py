"""部门数据比对's action: take the upload, refuse at once what is not a bounded .xlsx or was
compared before, record the job and compare it in the request (a small file) or hand it to
the task worker (exchange.tasks.run_department_job -> department_jobs.run)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from poverty_system.core import xlsx
from poverty_system.core.actor import Actor

from . import department, files
from .department_jobs import county_for, run
from .errors import ExchangeError
from .models import Job, JobKind
from .tasks import run_department_job


def start(actor: Actor, upload: UploadedFile | None, department_code: str) -> Job:
    """Take a department file: refused at once when it is not an .xlsx within the limits or
    was compared before; else recorded and compared (in the task worker when large)."""
    county = county_for(actor.user)
    kind = department.kind_of(department_code)
    if upload is None:
        raise ExchangeError("请选择要比对的 Excel 文件（.xlsx）。", "file")
    name = os.path.basename(upload.name or "部门数据.xlsx")[-100:] or "部门数据.xlsx"
    size = upload.size or 0
    if size > settings.XLSX_MAX_BYTES:
        raise ExchangeError(
            f"文件有 {size / 1048576:.1f} MB，超过上限 "
            f"{settings.XLSX_MAX_BYTES / 1048576:.0f} MB，请分批上传。",
            "file",
        )
    handle = upload.open("rb")
    try:
        xlsx.check_container(handle)
    except xlsx.XlsxError as exc:
        raise ExchangeError(exc.message, "file") from None
    sha = department.sha256_of(handle)
    previous = department.seen_before(county.code, kind, sha)
    if previous is not None:
        raise ExchangeError(department.already_message(previous), "file")
    job = Job.objects.create(
        kind=JobKind.DEPARTMENT,
        owner=actor.account,
        phone=None,
        ip=actor.ip,
        request_id=actor.request_id,
        region_code=county.code,
        file_name=name,
        file_size=size,
        params={"department": kind.code, "county": county.code, "sha256": sha},
    )
    if files.store_upload(job, upload) is None:  # a full disk: the job says so
        job.refresh_from_db()
        return job
    if size <= settings.DEPARTMENT_INLINE_BYTES:
        run(job.pk)
    else:
        run_department_job.enqueue(job.pk)
    job.refresh_from_db()
    return job
