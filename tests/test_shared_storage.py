"""Past one machine, the files (issue 14, item 5): with FILE_STORAGE=s3 the finished files of
the jobs and the uploads live in a bucket of an S3-compatible store that every app server and
worker shares (here a real S3 server on loopback: moto's, speaking the S3 protocol to boto3
through django-storages). Each test writes with one scratch folder (one machine) and reads
with another, empty one (another machine): only the store can answer. A store that cannot be
reached fails the job with a Chinese message; nothing is offered half-written."""

import io
import os
import socket
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from moto.server import ThreadedMotoServer
from openpyxl import load_workbook

from archives import export as archive_export
from archives.models import Export, ExportStatus
from archives.services import start_export as start_qr_export
from exchange import files
from exchange.models import Job, JobStatus
from exchange.services import start_export, start_import
from exchange.tasks import run_import_job
from households.choices import HouseholdStatus
from households.models import Household
from poverty_system import settings as project_settings
from poverty_system.core.actor import Actor

from .archives_data import make_archives
from .exchange_data import person, workbook
from .households_data import member, no_sms_throttle, register  # noqa: F401

BUCKET = "poverty-files"
PAUSED = "django_tasks.backends.dummy.DummyBackend"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch, tmp_path):
    """The store's settings as a deployment sets them (FILE_STORAGE=s3 and S3_*), a fresh
    bucket, and this machine's scratch folders."""
    monkeypatch.setenv("S3_BUCKET", BUCKET)
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("S3_PREFIX", "ganzhou")
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": project_settings.s3_storage("media", overwrite=False),
        "exports": project_settings.s3_storage("exports", overwrite=True),
        "exchange": project_settings.s3_storage("exchange", overwrite=True),
    }
    machine(settings, tmp_path, "a")
    yield client
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    for key in keys:
        client.delete_object(Bucket=BUCKET, Key=key)
    client.delete_bucket(Bucket=BUCKET)


def machine(settings, tmp_path, name: str) -> None:
    """Switch to the scratch folders of machine `name` (empty on first use)."""
    settings.EXCHANGE_DIR = tmp_path / name / "exchange"
    settings.EXPORT_DIR = tmp_path / name / "exports"


def keys(client, prefix: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=f"ganzhou/{prefix}/")
    return sorted(o["Key"].rsplit("/", 1)[1] for o in listed.get("Contents", []))


def local_files(settings) -> list[str]:
    found = [*settings.EXCHANGE_DIR.glob("*"), *settings.EXPORT_DIR.glob("*")]
    return sorted(p.name for p in found if p.suffix in (".xlsx", ".docx", ".zip"))


@pytest.mark.django_db
def test_an_export_written_on_one_server_is_downloaded_from_another(
    world, login, settings, tmp_path, bucket
):
    for n in range(3):
        register(world.village_account, world.phone, [member(f"户主{n}")], parts_done=4)
    job = start_export(Actor.system(world.county_office), {})
    assert job.status == JobStatus.DONE
    assert keys(bucket, "exchange") == [job.file_path]  # in the store ...
    assert local_files(settings) == []  # ... and not left on the machine that wrote it

    machine(settings, tmp_path, "b")
    response = login(world.county_office).get(f"/exchange/exports/{job.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) == job.file_size
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    names = {row[i] for row in sheet.iter_rows(values_only=True) for i in range(len(row))}
    assert {"户主0", "户主1", "户主2"} <= names
    # Another office of the same county does not reach the job's file: 404.
    assert (
        login(world.township_office).get(f"/exchange/exports/{job.pk}/download/").status_code == 404
    )

    Job.objects.filter(pk=job.pk).update(expires_at=job.created_at)
    files.purge_expired()
    assert keys(bucket, "exchange") == []
    assert (
        login(world.county_office).get(f"/exchange/exports/{job.pk}/download/").status_code == 404
    )


@pytest.mark.django_db
def test_an_upload_received_by_one_server_is_imported_by_a_worker_on_another(
    world, login, settings, tmp_path, bucket
):
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXCHANGE_IMPORT_INLINE_BYTES = 0
    data = workbook([person("1", "赵六", 行政村="仓前村"), person("2", "钱七", 行政村="仓前村")])
    job = start_import(Actor(world.township_office), SimpleUploadedFile("仓前.xlsx", data))
    assert job.status == JobStatus.QUEUED
    assert keys(bucket, "exchange") == [job.file_path] and local_files(settings) == []

    machine(settings, tmp_path, "worker")
    before = Household.objects.count()
    run_import_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (job.error, job.problems)
    assert Household.objects.count() == before + 2
    assert keys(bucket, "exchange") == []  # the upload is deleted once imported
    assert list(settings.EXCHANGE_DIR.glob(".*.part")) == []  # the worker's copy too


@pytest.mark.django_db
def test_a_marked_workbook_and_a_retried_upload_stay_in_the_store(
    world, login, settings, tmp_path, bucket
):
    client = login(world.township_office)
    bad = workbook([person("1", "赵六", 行政村="丰田村")])  # a village of another township
    response = client.post("/exchange/import/upload/", {"file": SimpleUploadedFile("错.xlsx", bad)})
    job = Job.objects.latest("pk")
    assert response.status_code == 302 and job.status == JobStatus.INVALID
    assert keys(bucket, "exchange") == [job.report_path]
    machine(settings, tmp_path, "b")
    response = client.get(f"/exchange/imports/{job.pk}/report/")
    assert response.status_code == 200
    marked = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert any("丰田村" in str(v) for row in marked.active.iter_rows(values_only=True) for v in row)

    # A failed import keeps its upload in the store; 重新执行 on another server takes it over.
    settings.TASKS = {"default": {"BACKEND": PAUSED}}
    settings.EXCHANGE_IMPORT_INLINE_BYTES = 0
    good = workbook([person("1", "赵六", 行政村="仓前村")])
    failed = start_import(Actor(world.township_office), SimpleUploadedFile("仓前.xlsx", good))
    Job.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, error="任务中断")
    machine(settings, tmp_path, "c")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = client.get(f"/exchange/imports/{failed.pk}/").content.decode()
    assert "无需重新上传" in page
    client.post(f"/exchange/imports/{failed.pk}/retry/")
    again = Job.objects.get(retry_of=failed)
    assert again.status == JobStatus.DONE, (again.error, again.problems)
    assert again.file_path == "" and failed.file_path not in keys(bucket, "exchange")


@pytest.mark.django_db
def test_a_qr_archive_and_an_evidence_file_are_served_from_the_store(
    world, login, settings, tmp_path, bucket
):
    make_archives(world)
    export = start_qr_export(Actor.system(world.township_office), world.village.pk)
    assert export.status == ExportStatus.DONE
    assert keys(bucket, "exports") == [export.file_path] and local_files(settings) == []
    machine(settings, tmp_path, "b")
    client = login(world.township_office)
    response = client.get(f"/archives/exports/{export.pk}/download/")
    assert response.status_code == 200
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert len(document.inline_shapes) == export.total  # one QR code per household
    assert (
        login(world.other_township_office)
        .get(f"/archives/exports/{export.pk}/download/")
        .status_code
        == 404
    )
    Export.objects.filter(pk=export.pk).update(expires_at=export.created_at)
    archive_export.purge_expired()
    assert keys(bucket, "exports") == []

    # Uploads through the forms (media) go to the store as well.
    household = register(world.village_account, world.phone, [member("张三")])
    village = login(world.village_account, world.phone)
    evidence = SimpleUploadedFile("评议记录.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    response = village.post(
        f"/households/{household.pk}/remove/",
        {"reason": "不符合识别标准", "attachments": [evidence]},
    )
    assert response.status_code == 302, response.content.decode()
    stored = household.status_changes.get(to_status=HouseholdStatus.REMOVED).evidence.get()
    assert keys(bucket, "media") == [stored.file.name.rsplit("/", 1)[1]]
    machine(settings, tmp_path, "c")
    response = login(world.township_office).get(f"/households/evidence/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.django_db
def test_a_store_that_cannot_be_reached_fails_the_job_with_a_message(
    world, login, settings, monkeypatch, bucket
):
    monkeypatch.setenv("S3_ENDPOINT_URL", closed_port())
    unreachable = project_settings.s3_storage("exchange", overwrite=True)
    unreachable["OPTIONS"]["client_config"] = Config(connect_timeout=1, retries={"max_attempts": 1})
    settings.STORAGES = {**settings.STORAGES, "exchange": unreachable, "exports": unreachable}
    register(world.village_account, world.phone, [member("张三")], parts_done=4)

    job = start_export(Actor.system(world.county_office), {})
    assert job.status == JobStatus.FAILED and job.error == "导出失败，请稍后重新执行。"
    assert job.file_path == "" and local_files(settings) == []

    client = login(world.township_office)
    data = workbook([person("1", "赵六", 行政村="仓前村")])
    response = client.post(
        "/exchange/import/upload/", {"file": SimpleUploadedFile("仓前.xlsx", data)}
    )
    assert response.status_code == 302
    failed = Job.objects.latest("pk")
    assert failed.status == JobStatus.FAILED and failed.error == files.STORE_UNAVAILABLE
    assert "文件存储暂时无法访问" in client.get(response.url).content.decode()
    assert local_files(settings) == []

    make_archives(world)
    export = start_qr_export(Actor.system(world.township_office), world.village.pk)
    assert export.status == ExportStatus.FAILED and "导出失败" in export.error
    assert local_files(settings) == []


def test_the_settings_refuse_an_unknown_store_or_a_bucketless_s3():
    for env, said in (
        ({"FILE_STORAGE": "ftp"}, "FILE_STORAGE 须为 local 或 s3"),
        ({"FILE_STORAGE": "s3", "S3_BUCKET": ""}, "FILE_STORAGE=s3 需要 S3_BUCKET"),
    ):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "poverty_system.settings", **env},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0 and said in result.stderr, result.stderr[-500:]
