"""Jobs whose worker went away (issue 14, item 4): the stale-job sweep of every kind of job
(exchange's imports, exports and 部门数据比对, the QR exports) fails a job that has not beaten
its heartbeat for JOB_STALE_SECONDS and spares one that has (a long job whose worker is
alive); 重新执行 on a failed job's page starts a new job from the same inputs for the account
that started it (POST, same permission, audited; an import reuses the upload the failed job
kept); files are written under a temporary name and moved into place only when complete;
the worker's periodic jobs prune expired files of both apps. The real kill of a worker is
tests/test_faults_jobs.py (make faults)."""

import datetime
import os
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import export as archive_export
from archives.models import Export, ExportStatus
from archives.services import start_export as start_qr_export
from exchange import files
from exchange.models import Job, JobKind, JobStatus
from exchange.services import start_export, start_import
from households.models import Household
from poverty_system.core import audit, jobfiles
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

from .archives_data import make_archives
from .exchange_data import person, workbook

PAUSED = "django_tasks.backends.dummy.DummyBackend"  # enqueued tasks wait: a worker that died


@pytest.fixture(autouse=True)
def job_dirs(settings, tmp_path):
    settings.EXCHANGE_DIR = tmp_path / "exchange"
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.JOB_STALE_SECONDS = 60


def long_ago() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=10)


def killed(job: Job, status: str = JobStatus.BUILDING) -> None:
    """What a worker killed in the middle of the job leaves: the job running, not moving."""
    Job.objects.filter(pk=job.pk).update(status=status, updated_at=long_ago(), heartbeat_at=None)


def queued_export(world, settings) -> Job:
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXCHANGE_EXPORT_INLINE_MAX = -1
    job = start_export(Actor.system(world.county_office), {})
    assert job.status == JobStatus.QUEUED
    return job


def test_the_sweep_fails_a_job_without_heartbeat_and_spares_a_beating_one(world, settings):
    dead, alive_row, alive_file = (queued_export(world, settings) for _ in range(3))
    for job in (dead, alive_row, alive_file):
        killed(job)
    Job.objects.filter(pk=alive_row.pk).update(heartbeat_at=timezone.now())  # PostgreSQL beat
    jobfiles.beat_path(files.folder(), "job", alive_file.pk).touch()  # SQLite beat

    assert files.fail_stale() == 1
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and dead.finished_at is not None
    assert dead.error == "任务中断（后台任务进程已停止），没有写入任何数据，可以重新执行。"
    assert dead.expires_at is not None  # kept (with an import's upload) until it expires
    for job in (alive_row, alive_file):
        job.refresh_from_db()
        assert job.status == JobStatus.BUILDING
    assert files.fail_stale() == 0  # nothing twice


def test_an_import_writing_in_its_transaction_moves_only_its_progress_file(world, settings):
    job = queued_export(world, settings)
    killed(job, JobStatus.WRITING)
    files.write_progress(job.pk, 500)
    assert files.fail_stale() == 0
    old = time.time() - 600
    os.utime(files.folder() / f"{job.pk}.progress", (old, old))
    assert files.fail_stale() == 1


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_beats_while_its_job_runs(world, settings):
    """The heartbeat thread stamps the row and touches the beat file while the block runs,
    and stops with it (the file goes)."""
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    job = queued_export(world, settings)
    killed(job)
    with files.heartbeat(job):
        beat = jobfiles.beat_path(files.folder(), "job", job.pk)
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=job.pk).heartbeat_at is None:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.05)
        assert beat.exists()
        assert files.fail_stale() == 0
        threads = [t for t in threading.enumerate() if t.name == "job-heartbeat"]
        assert threads
    assert not beat.exists()
    assert all(not t.is_alive() for t in threads)


def test_a_stale_qr_export_fails_and_the_beating_one_does_not(world, settings):
    make_archives(world)
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXPORT_INLINE_MAX = -1
    actor = Actor.system(world.county_office)
    dead, alive = (start_qr_export(actor, world.village.pk) for _ in range(2))
    Export.objects.filter(pk__in=[dead.pk, alive.pk]).update(
        status=ExportStatus.RUNNING, heartbeat_at=long_ago()
    )
    Export.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now())
    assert archive_export.fail_stale() == 1
    dead.refresh_from_db()
    assert dead.status == ExportStatus.FAILED
    assert dead.error == "导出中断（后台任务进程已停止），可以重新执行。"
    assert archive_export.export_file(dead) is None
    assert Export.objects.get(pk=alive.pk).status == ExportStatus.RUNNING


# --- 重新执行 -----------------------------------------------------------------------------


def test_a_failed_export_is_run_again_by_its_owner_from_its_page(world, login, settings):
    job = queued_export(world, settings)
    killed(job)
    files.fail_stale()
    client = login(world.county_office)
    page = client.get(f"/exchange/exports/{job.pk}/").content.decode()
    assert "任务中断" in page and 'data-testid="retry"' in page
    assert 'data-testid="download"' in page and f"/exchange/exports/{job.pk}/download/" not in page
    assert client.get(f"/exchange/exports/{job.pk}/download/").status_code == 404
    assert client.get(f"/exchange/exports/{job.pk}/retry/").status_code == 405

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client.post(f"/exchange/exports/{job.pk}/retry/")
    assert response.status_code == 302
    again = Job.objects.get(retry_of=job)
    assert response.url == f"/exchange/exports/{again.pk}/"
    assert again.status == JobStatus.DONE and again.params == job.params
    assert client.get(f"/exchange/exports/{again.pk}/download/").status_code == 200
    entry = AuditEntry.objects.filter(action=audit.EXPORT, object_id=str(again.pk)).get()
    assert entry.detail["retry_of"] == job.pk and entry.user == world.county_office

    page = client.get(f"/exchange/exports/{job.pk}/").content.decode()
    assert 'data-testid="retried"' in page and 'data-testid="retry"' not in page
    client.post(f"/exchange/exports/{job.pk}/retry/")  # a second press: refused, said why
    assert Job.objects.filter(retry_of=job).count() == 1
    assert "该任务已经重新执行过" in client.get(f"/exchange/exports/{job.pk}/").content.decode()


def test_only_the_owner_may_run_a_failed_job_again(world, login, settings):
    job = queued_export(world, settings)
    killed(job)
    files.fail_stale()
    # Another office that may export (same county: in the slice) does not reach the job: 404.
    client = login(world.township_office)
    assert client.post(f"/exchange/exports/{job.pk}/retry/").status_code == 404
    # A role that may not export at all: refused by the view's rule.
    client = login(world.unit_account)
    assert client.post(f"/exchange/exports/{job.pk}/retry/").status_code == 403
    assert not Job.objects.filter(retry_of=job).exists()
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_a_job_that_did_not_fail_has_no_retry(world, login, settings):
    job = queued_export(world, settings)
    client = login(world.county_office)
    assert 'data-testid="retry"' not in client.get(f"/exchange/exports/{job.pk}/").content.decode()
    client.post(f"/exchange/exports/{job.pk}/retry/")
    assert not Job.objects.filter(retry_of=job).exists()


def test_a_failed_import_keeps_its_upload_and_runs_again_without_a_new_upload(
    world, login, settings
):
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXCHANGE_IMPORT_INLINE_BYTES = 0
    data = workbook([person("1", "赵六", 行政村="仓前村"), person("2", "钱七", 行政村="仓前村")])
    job = start_import(Actor(world.township_office), SimpleUploadedFile("仓前.xlsx", data))
    assert job.status == JobStatus.QUEUED
    killed(job, JobStatus.CHECKING)
    households = Household.objects.count()
    assert files.fail_stale() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and files.exists(job.file_path)
    assert Household.objects.count() == households  # nothing written

    client = login(world.township_office)
    page = client.get(f"/exchange/imports/{job.pk}/").content.decode()
    assert "无需重新上传" in page and 'data-testid="retry"' in page
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client.post(f"/exchange/imports/{job.pk}/retry/")
    again = Job.objects.get(retry_of=job)
    assert response.url == f"/exchange/imports/{again.pk}/"
    assert again.status == JobStatus.DONE, (again.error, again.problems)
    assert again.summary["created"] == 2 and Household.objects.count() == households + 2
    assert again.file_path == "" and not list(files.folder().glob("*.xlsx"))  # upload gone
    job.refresh_from_db()
    assert job.file_path == ""
    entry = AuditEntry.objects.filter(action=audit.IMPORT, object_id=str(again.pk)).get()
    assert entry.detail["retry_of"] == job.pk


def test_an_import_whose_upload_expired_says_to_upload_again(world, login, settings):
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXCHANGE_IMPORT_INLINE_BYTES = 0
    data = workbook([person("1", "赵六", 行政村="仓前村")])
    job = start_import(Actor(world.township_office), SimpleUploadedFile("仓前.xlsx", data))
    killed(job, JobStatus.CHECKING)
    files.fail_stale()
    Job.objects.filter(pk=job.pk).update(expires_at=long_ago())
    files.purge_expired()
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and job.file_path == ""
    assert not list(files.folder().glob("*.xlsx"))
    client = login(world.township_office)
    page = client.get(f"/exchange/imports/{job.pk}/").content.decode()  # 已过期
    assert "已过期" in page and "请重新上传" in page and 'data-testid="retry"' not in page
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)  # the page of a failed one
    page = client.get(f"/exchange/imports/{job.pk}/").content.decode()
    assert "请重新上传" in page and 'data-testid="retry"' not in page
    client.post(f"/exchange/imports/{job.pk}/retry/")
    assert not Job.objects.filter(retry_of=job).exists()


def test_a_failed_qr_export_is_run_again_from_its_page(world, login, settings):
    make_archives(world)
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXPORT_INLINE_MAX = -1
    failed = start_qr_export(Actor.system(world.township_office), world.village.pk)
    Export.objects.filter(pk=failed.pk).update(status=ExportStatus.RUNNING, heartbeat_at=long_ago())
    archive_export.fail_stale()
    client = login(world.township_office)
    page = client.get(f"/archives/exports/{failed.pk}/").content.decode()
    assert "导出中断" in page and 'data-testid="retry"' in page
    assert client.get(f"/archives/exports/{failed.pk}/download/").status_code == 404

    other = login(world.other_township_office)
    assert other.post(f"/archives/exports/{failed.pk}/retry/").status_code == 404
    assert login(world.city_office).post(f"/archives/exports/{failed.pk}/retry/").status_code == 403

    settings.EXPORT_INLINE_MAX = 200
    client = login(world.township_office)
    response = client.post(f"/archives/exports/{failed.pk}/retry/")
    again = Export.objects.get(retry_of=failed)
    assert response.url == f"/archives/exports/{again.pk}/"
    assert again.status == ExportStatus.DONE and again.region_id == failed.region_id
    assert client.get(f"/archives/exports/{again.pk}/download/").status_code == 200
    entry = AuditEntry.objects.filter(action=audit.EXPORT, object_id=str(again.pk)).get()
    assert entry.detail["retry_of"] == failed.pk
    client.post(f"/archives/exports/{failed.pk}/retry/")
    assert Export.objects.filter(retry_of=failed).count() == 1


# --- files written whole or not at all; pruning -------------------------------------------


def test_a_file_is_moved_into_place_only_when_complete(tmp_path):
    final = tmp_path / "1-abc.xlsx"
    with pytest.raises(RuntimeError), jobfiles.writing(final) as temporary:
        temporary.write_bytes(b"half")
        assert temporary.name.startswith(".") and temporary.parent == final.parent
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []  # neither the partial nor the final name
    with jobfiles.writing(final) as temporary:
        temporary.write_bytes(b"whole")
        assert not final.exists()
    assert final.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [final]


def test_a_partial_file_is_never_served_and_a_killed_writers_partial_is_pruned(world, settings):
    job = queued_export(world, settings)
    killed(job)
    partial = jobfiles.temporary_name(files.folder() / f"{job.pk}-abc.xlsx")
    partial.write_bytes(b"half")
    assert not files.exists(partial.name)
    files.purge_expired()
    assert partial.exists()  # its job is running: the writer may still be at it
    files.fail_stale()
    files.purge_expired()
    assert not partial.exists()


def upkeep_round() -> None:
    """One round of the worker's periodic jobs, in a thread of its own as in the worker (it
    closes its own connection)."""
    from poverty_system.core.management.commands.task_worker import run_periodic_jobs

    thread = threading.Thread(target=run_periodic_jobs)
    thread.start()
    thread.join(timeout=60)


@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_expired_files_of_both_apps(world, settings):

    make_archives(world)
    qr = start_qr_export(Actor.system(world.county_office), world.village.pk)
    job = start_export(Actor.system(world.county_office), {})
    assert qr.status == ExportStatus.DONE and job.status == JobStatus.DONE
    qr_file = archive_export.export_folder() / qr.file_path
    job_file = files.folder() / job.file_path
    assert qr_file.is_file() and job_file.is_file()
    assert "archives.export.upkeep" in settings.WORKER_PERIODIC_JOBS
    upkeep_round()
    assert qr_file.is_file() and job_file.is_file()  # not expired yet
    Export.objects.filter(pk=qr.pk).update(expires_at=long_ago())
    Job.objects.filter(pk=job.pk).update(expires_at=long_ago())
    upkeep_round()
    assert not qr_file.exists() and not job_file.exists()
    assert Export.objects.get(pk=qr.pk).status == ExportStatus.EXPIRED
    assert Job.objects.get(pk=job.pk).status == JobStatus.EXPIRED
    assert Job.objects.filter(kind=JobKind.EXPORT).count() == 1


def test_an_expired_failed_export_says_to_export_again(world, login, settings):
    job = queued_export(world, settings)
    killed(job)
    files.fail_stale()
    Job.objects.filter(pk=job.pk).update(expires_at=long_ago())
    files.purge_expired()
    page = login(world.county_office).get(f"/exchange/exports/{job.pk}/").content.decode()
    assert "已过期" in page and "请在“导出”页按需要的条件重新导出" in page
    assert 'data-testid="retry"' not in page
