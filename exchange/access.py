"""Who reaches a job's pages: its owner only, and only while the owner still holds the
job's permission on the region the job covers. Someone else's job answers 404, the same as
a missing one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from monitoring.access import filter_counties
from monitoring.models import DepartmentFile
from poverty_system.core import access
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import (
    EXPORT_HOUSEHOLDS,
    IMPORT_DEPARTMENT_DATA,
    IMPORT_HOUSEHOLDS,
)

from .models import Job, JobKind

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

JOB_PERMS: dict[str, str] = {
    JobKind.IMPORT: IMPORT_HOUSEHOLDS,
    JobKind.EXPORT: EXPORT_HOUSEHOLDS,
    JobKind.DEPARTMENT: IMPORT_DEPARTMENT_DATA,
}


def filter_jobs(queryset: Any, user: AnyUser, kind: str) -> Any:
    """The account's own jobs of a kind (their pages check the region, get_job_for_user)."""
    if not access.is_active_account(user) or not access.role_allows(user, JOB_PERMS[kind]):
        return queryset.none()
    return queryset.filter(owner=user, kind=kind)


def get_job_for_user(user: AnyUser, pk: Any) -> Job:
    job = (
        Job.objects.filter(pk=id_or_404(pk), owner=user).first() if user.is_authenticated else None
    )
    if job is None or not access.has_code_perm(user, JOB_PERMS[job.kind], job.region_code):
        raise Http404
    return job


def get_department_file_for_user(user: AnyUser, pk: Any) -> DepartmentFile:
    """A compared department file: 404 outside the account's counties, 403 without the
    permission to compare (a township office reading its county's file)."""
    record = (
        filter_counties(DepartmentFile.objects.all(), user)
        .select_related("uploaded_by")
        .filter(pk=id_or_404(pk))
        .first()
    )
    if record is None:
        raise Http404
    if not access.has_code_perm(user, IMPORT_DEPARTMENT_DATA, record.county_code):
        raise PermissionDenied
    return record
