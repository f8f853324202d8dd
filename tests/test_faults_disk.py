"""A full disk while an export is written (issue 14, item 4): the export folder is a real
tiny filesystem, a tmpfs of 1 MB mounted for the test (root; make faults runs as root like
CI), filled up to a few kilobytes less than the file needs, so the write fails with ENOSPC
in the middle of the file. The job is 失败 with 磁盘空间不足, the partial file is removed,
nothing is offered for download; the same for a QR Word export and for an upload that does
not fit. (Without root, RLIMIT_FSIZE in a subprocess worker would give EFBIG, which the code
reports the same way; this test mounts, it does not fall back.)"""

import io
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from archives.models import ExportStatus
from archives.services import start_export as start_qr_export
from exchange import files
from exchange.models import Job, JobKind, JobStatus
from exchange.services import start_export, start_import
from exchange.tasks import run_department_job
from households.models import Household
from monitoring.models import DepartmentFile, Lead
from poverty_system.core.actor import Actor

from .archives_data import make_archives
from .exchange_data import person, workbook
from .households_data import make_id, member, register

pytestmark = [pytest.mark.faults]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs at tmp_path/disk, unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    tmpfs = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]
    subprocess.run(tmpfs, check=True)  # noqa: S603, S607 - the system's mount
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)  # noqa: S603, S607


def fill(disk: Path, leave: int) -> None:
    """Fill the filesystem up to `leave` bytes free."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    assert free > leave
    (disk / "filler").write_bytes(b"\0" * (free - leave))
    stats = os.statvfs(disk)
    assert stats.f_bavail * stats.f_frsize <= leave


def contents(disk: Path) -> list[str]:
    return sorted(p.name for p in disk.rglob("*") if p.name != "filler")


def test_an_export_onto_a_full_disk_fails_says_so_and_leaves_no_file(
    world, login, settings, tmp_path, tiny_disk
):
    for n in range(12):
        register(world.village_account, world.phone, [member(f"户主{n}")], parts_done=4)
    settings.EXCHANGE_DIR = tmp_path / "roomy"
    whole = start_export(Actor.system(world.county_office), {})
    assert whole.status == JobStatus.DONE
    size = files.STORE.size(whole.file_path)
    assert size > 8192, size  # larger than what the disk has left below

    settings.EXCHANGE_DIR = tiny_disk
    fill(tiny_disk, 4096)
    job = start_export(Actor.system(world.county_office), {})
    assert job.status == JobStatus.FAILED
    assert "磁盘空间不足" in job.error
    assert job.file_path == "" and contents(tiny_disk) == []  # the partial file removed
    client = login(world.county_office)
    page = client.get(f"/exchange/exports/{job.pk}/").content.decode()
    assert "磁盘空间不足" in page and f"/exchange/exports/{job.pk}/download/" not in page
    assert client.get(f"/exchange/exports/{job.pk}/download/").status_code == 404


def test_a_qr_export_onto_a_full_disk_fails_says_so_and_leaves_no_file(
    world, login, settings, tmp_path, tiny_disk
):
    make_archives(world)
    settings.EXPORT_DIR = tmp_path / "roomy"
    whole = start_qr_export(Actor.system(world.township_office), world.township.pk)
    assert whole.status == ExportStatus.DONE and whole.file_size > 8192, whole.file_size

    settings.EXPORT_DIR = tiny_disk
    fill(tiny_disk, 4096)
    export = start_qr_export(Actor.system(world.township_office), world.township.pk)
    assert export.status == ExportStatus.FAILED
    assert "磁盘空间不足" in export.error
    assert export.file_path == "" and contents(tiny_disk) == []
    client = login(world.township_office)
    page = client.get(f"/archives/exports/{export.pk}/").content.decode()
    assert "磁盘空间不足" in page and 'data-testid="retry"' in page
    assert client.get(f"/archives/exports/{export.pk}/download/").status_code == 404


def test_an_upload_that_does_not_fit_fails_says_so_and_writes_nothing(world, settings, tiny_disk):
    settings.EXCHANGE_DIR = tiny_disk
    data = workbook([person(str(n), f"户{n}", 行政村="仓前村") for n in range(1, 200)])
    assert len(data) > 8192
    fill(tiny_disk, 4096)
    households = Household.objects.count()
    job = start_import(Actor(world.township_office), SimpleUploadedFile("仓前.xlsx", data))
    assert job.status == JobStatus.FAILED and "磁盘空间不足" in job.error
    assert Job.objects.get(pk=job.pk).file_path == "" and contents(tiny_disk) == []
    assert Household.objects.count() == households


def test_a_department_result_that_does_not_fit_writes_no_lead_and_can_run_again(
    world, login, settings, tiny_disk
):
    """部门数据比对 keeps its result workbook before the comparison commits: when the disk is
    full then, no lead and no file record are written, the upload stays, and 重新执行 on the
    job's page compares it again once there is room."""
    poor = register(world.village_account, world.phone, [member("张一")])
    (id_number,) = poor.members.values_list("id_number", flat=True)
    rows = [("张一", id_number, 6000, "肺癌")] + [
        (f"外县{n}", make_id(area="360732"), 100 + n, "") for n in range(150)
    ]
    settings.EXCHANGE_DIR = tiny_disk
    settings.DEPARTMENT_INLINE_BYTES = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(world.county_office)
    upload = io.BytesIO(department_workbook(rows))
    upload.name = "医保.xlsx"
    client.post("/exchange/department/upload/", {"department": "medical", "file": upload})
    job = Job.objects.get(kind=JobKind.DEPARTMENT)
    assert job.status == JobStatus.QUEUED and files.exists(job.file_path)

    fill(tiny_disk, 4096)
    run_department_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "磁盘空间不足" in job.error
    assert not Lead.objects.exists() and not DepartmentFile.objects.exists()
    assert files.exists(job.file_path) and not any(n.endswith(".part") for n in contents(tiny_disk))
    page = client.get(f"/exchange/department/jobs/{job.pk}/").content.decode()
    assert "磁盘空间不足" in page and 'data-testid="retry"' in page

    (tiny_disk / "filler").unlink()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post(f"/exchange/department/jobs/{job.pk}/retry/")
    again = Job.objects.get(retry_of=job)
    assert again.status == JobStatus.DONE, again.error
    assert again.summary["new_leads"] == 1 and Lead.objects.get().household_id == poor.pk
    report = client.get(f"/exchange/department/jobs/{again.pk}/report/")
    assert report.status_code == 200
    results = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    report.close()  # the file on the tiny disk, so that it can be unmounted
    assert next(results.iter_rows(min_row=2, values_only=True))[-1].startswith("预警：已生成线索")


def department_workbook(rows) -> bytes:
    book = Workbook()
    book.active.append(["姓名", "身份证号码", "合规自付费用（元）", "疾病名称"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
