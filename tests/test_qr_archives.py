"""Issue 10: QR-code household archives. The export as a township or county office would
use it, read back with python-docx and zxing-cpp; the public page; revoke and reissue."""

import datetime
import io

import docx
import pytest
from django.core.cache import cache
from django.utils import timezone

from archives import tokens
from archives.models import ArchiveToken, Export, ExportStatus
from households.models import Household
from poverty_system.core.models import AuditEntry

from .archives_data import HEADS_1, cards_of, make_archives, remove, zip_members


@pytest.fixture
def archives(world):
    return make_archives(world)


@pytest.fixture(autouse=True)
def clean_cache(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    cache.clear()
    yield
    cache.clear()


def active_url(household) -> str:
    token = ArchiveToken.objects.get(household=household, ended_at__isnull=True)
    return tokens.public_url(token.token)


def export(client, region, **extra):
    response = client.post("/archives/export/start/", {"region": region.pk, **extra})
    assert response.status_code == 302, response.content.decode()[:500]
    return Export.objects.latest("pk"), response


# --- the export --------------------------------------------------------------------------


def test_township_office_exports_a_village_and_every_code_decodes(world, login, archives):
    client = login(world.township_office)
    page = client.get(f"/households/?region={world.village.pk}").content.decode()
    assert "导出二维码信息" in page
    options = client.get(f"/archives/export/?region={world.village.pk}").content.decode()
    assert "共 3 户" in options and "包含已清退户" in options

    job, response = export(client, world.village)

    assert response.url == f"/archives/exports/{job.pk}/"
    assert job.status == ExportStatus.DONE and job.total == job.done == 3
    download = client.get(f"/archives/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    cards = cards_of(data)
    assert cards == {h.number: active_url(h) for h in archives["first"]}
    document = docx.Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 3
    text = "\n".join(p.text for p in document.paragraphs)
    assert "共 3 户" in text and world.village.name in text
    body = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for name in HEADS_1:
        assert f"户主：{name}" in body
    assert "帮扶干部" in body and "帮扶单位" in body
    assert "PAGE" in document.sections[0].footer._element.xml  # page numbers


def test_a_township_export_groups_by_village_and_skips_removed(world, login, archives):
    remove(world, archives["first"][0])
    client = login(world.township_office)

    job, _ = export(client, world.township)

    data = b"".join(client.get(f"/archives/exports/{job.pk}/download/").streaming_content)
    cards = cards_of(data)
    expected = archives["first"][1:] + archives["second"]
    assert cards == {h.number: active_url(h) for h in expected}
    headings = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert any(world.village.name in h and "2 户" in h for h in headings)
    assert any(world.village2.name in h and "2 户" in h for h in headings)

    job, _ = export(client, world.township, include_removed="1")
    data = b"".join(client.get(f"/archives/exports/{job.pk}/download/").streaming_content)
    assert set(cards_of(data)) == {h.number for h in archives["all"]}


def test_a_county_export_is_a_zip_of_one_file_per_township(world, login, archives):
    client = login(world.county_office)

    job, _ = export(client, world.county)

    response = client.get(f"/archives/exports/{job.pk}/download/")
    assert response["Content-Type"] == "application/zip"
    files = zip_members(b"".join(response.streaming_content))
    assert set(files) == {f"{world.township.name}.docx", f"{world.other_township.name}.docx"}
    assert set(cards_of(files[f"{world.township.name}.docx"])) == {
        h.number for h in archives["all"]
    }
    assert set(cards_of(files[f"{world.other_township.name}.docx"])) == {archives["other"].number}
    assert job.total == 6


def test_every_export_is_audited(world, login, archives):
    client = login(world.township_office)
    job, _ = export(client, world.village)
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.user == world.township_office
    assert entry.region_code == world.village.code
    assert entry.detail["count"] == 3 and entry.detail["region"] == world.village.name


@pytest.mark.parametrize(
    "account, region, status",
    [
        ("other_township_office", "village", 404),  # out of slice
        ("township_office", "other_village", 404),
        ("township_office", "county", 404),  # above its slice
        ("other_county_office", "village", 404),
        ("village_account", "village", 403),  # in slice, wrong role
        ("city_office", "village", 403),
        ("admin", "village", 403),
        ("unit_account", "village", 403),
    ],
)
def test_exports_outside_the_slice_or_role_are_refused(
    world, login, archives, account, region, status
):
    client = login(getattr(world, account))
    target = getattr(world, region)
    assert client.post("/archives/export/start/", {"region": target.pk}).status_code == status
    assert client.get(f"/archives/export/?region={target.pk}").status_code == status
    assert not Export.objects.exists()


def test_the_export_button_shows_only_where_the_account_may_export(world, login, archives):
    client = login(world.township_office)
    assert "导出二维码信息" in client.get("/households/").content.decode()  # its township
    client = login(world.city_office)
    assert (
        "导出二维码信息"
        not in client.get(f"/households/?region={world.village.pk}").content.decode()
    )
    client = login(world.village_account)
    assert "导出二维码信息" not in client.get("/households/").content.decode()


def test_a_city_level_region_cannot_be_exported(world, login, archives, settings):
    # The county office's slice does not reach the city; the administrator may not export.
    client = login(world.county_office)
    assert client.post("/archives/export/start/", {"region": world.city.pk}).status_code == 404


def test_someone_elses_export_is_not_found(world, login, archives):
    client = login(world.township_office)
    job, _ = export(client, world.village)
    other = login(world.county_office)  # may export the village too, but it is not its file
    for url in ("", "status/", "download/"):
        assert other.get(f"/archives/exports/{job.pk}/{url}").status_code == 404


# --- background work ---------------------------------------------------------------------


def test_a_large_export_runs_as_a_task_with_progress(world, login, archives, settings):
    settings.EXPORT_INLINE_MAX = 2  # the township's 5 households go to the worker
    from django_tasks.signals import task_enqueued

    calls = []

    def seen(sender, task_result, **kwargs):
        calls.append((task_result.task.name, tuple(task_result.args)))

    task_enqueued.connect(seen)
    try:
        client = login(world.township_office)
        job, response = export(client, world.township)
    finally:
        task_enqueued.disconnect(seen)
    assert calls == [("export_archives", (job.pk,))]
    page = client.get(response.url).content.decode()
    assert "export-progress.js" in page and "<progress" in page
    state = client.get(f"/archives/exports/{job.pk}/status/").json()
    assert state["done"] == state["total"] == 5
    assert state["finished"] and state["download"].endswith("/download/")
    listing = client.get("/archives/exports/").content.decode()
    assert world.township.name in listing and "下载" in listing


def test_files_expire_after_the_keeping_time(world, login, archives):
    client = login(world.township_office)
    job, _ = export(client, world.village)
    Export.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    assert client.get(f"/archives/exports/{job.pk}/download/").status_code == 404
    client.get("/archives/exports/")  # the list purges expired files
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    assert not any((job.file_path and (p.name == job.file_path)) for p in job_dir(job))


def job_dir(job):
    from django.conf import settings

    folder = settings.EXPORT_DIR
    return list(folder.iterdir()) if folder.exists() else []


# --- the public page ---------------------------------------------------------------------

PRIVATE = ["13812345678", "6228480012345678", "于都县农村信用社", "8000", "身份证", "收入"]


def test_the_public_page_shows_the_archive_and_nothing_private(world, client, archives):
    household = archives["first"][0]
    head = household.members.get(relation="head")
    url = tokens.public_url(tokens.active_token(household).token)
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    html = response.content.decode()
    assert response.status_code == 200
    for shown in (world.village.name, "第一组", "张三", household.number, "贫困户", "帮扶干部"):
        assert shown in html
    for private in [*PRIVATE, head.id_number, head.id_number[-6:]]:
        assert private not in html
    assert 'name="viewport"' in html
    assert "查看完整档案" not in html


def test_a_logged_in_account_sees_the_full_record_link_only_in_its_slice(world, login, archives):
    household = archives["first"][0]
    path = "/q/" + tokens.active_token(household).token + "/"
    client = login(world.township_office)
    assert f"/households/{household.pk}/" in client.get(path).content.decode()
    client = login(world.other_township_office)
    html = client.get(path).content.decode()
    assert "查看完整档案" not in html and household.number in html


def test_unknown_and_revoked_codes_are_404_in_chinese(world, client, login, archives):
    household = archives["first"][0]
    old = tokens.active_token(household).token
    response = client.get("/q/" + "x" * 43 + "/")
    assert response.status_code == 404 and "二维码" in response.content.decode()

    office = login(world.township_office)
    assert office.post(f"/archives/households/{household.pk}/reissue/").status_code == 302
    office.logout()

    response = client.get(f"/q/{old}/")
    assert response.status_code == 404
    assert "此二维码已失效" in response.content.decode()
    new = tokens.active_token(household).token
    assert new != old and client.get(f"/q/{new}/").status_code == 200


def test_tokens_carry_at_least_128_random_bits(world, archives):
    household = archives["first"][0]
    token = tokens.active_token(household).token
    assert len(token) >= 32 and str(household.pk) != token
    assert ArchiveToken.objects.filter(household=household, ended_at__isnull=True).count() == 1


def test_the_public_page_is_rate_limited(world, client, archives, settings):
    settings.QR_RATE_LIMIT = 10
    good = "/q/" + tokens.active_token(archives["first"][0]).token + "/"
    for _ in range(10):
        assert client.get(good).status_code == 200
    response = client.get(good)
    assert response.status_code == 429 and "访问过于频繁" in response.content.decode()
    # Another address has its own budget; misses cost more.
    other = {"REMOTE_ADDR": "10.0.0.9"}
    assert client.get("/q/nope/", **other).status_code == 404
    assert client.get("/q/nope2/", **other).status_code == 404
    assert client.get(good, **other).status_code == 429


# --- revoke and reissue ------------------------------------------------------------------


def test_reissue_is_audited_and_refused_outside_the_slice_or_role(world, login, archives):
    household = archives["first"][0]
    before = tokens.active_token(household).token
    url = f"/archives/households/{household.pk}/reissue/"
    assert login(world.other_township_office).post(url).status_code == 404
    assert login(world.village_account).post(url).status_code == 403
    assert login(world.city_office).post(url).status_code == 403
    assert tokens.active_token(household).token == before

    client = login(world.township_office)
    page = client.get(f"/archives/households/{household.pk}/").content.decode()
    assert "data:image/png;base64," in page and "重新生成" in page
    assert client.post(url).status_code == 302
    revoked = ArchiveToken.objects.get(token=before)
    assert revoked.ended_at and revoked.ended_by == world.township_office
    entry = AuditEntry.objects.filter(action="qr_reissue").latest("pk")
    assert entry.user == world.township_office and entry.region_code == world.village.code
    detail = client.get(f"/households/{household.pk}/").content.decode()
    assert f"/archives/households/{household.pk}/" in detail


def test_export_reads_a_constant_number_of_queries_per_village(
    world, login, archives, django_assert_num_queries
):
    from archives.export import build

    def run():
        job = Export.objects.create(
            owner=world.township_office, region=world.township, region_code=world.township.code
        )
        build(job.pk)
        return job

    run()  # tokens exist now
    # The count grows with the villages, never with their households: the export's own
    # reads and writes, and per village its tokens, households and cards and the archive
    # facts (archives.facts: assignments, links, surveys, measures). This township has two
    # villages.
    with django_assert_num_queries(18):
        job = run()
    assert Export.objects.get(pk=job.pk).done == 5
    assert Household.objects.count() == 6


def test_the_worker_pool_draws_the_same_codes(world, login, archives, settings, monkeypatch):
    """Exports of POOL_MIN households or more draw their images in worker processes."""
    from archives import qr

    monkeypatch.setattr(qr, "POOL_MIN", 1)
    settings.EXPORT_QR_PROCESSES = 2
    settings.EXPORT_INLINE_MAX = 0  # the task worker uses the pool; a request never does
    started = []
    original = qr.QrMaker._start

    def start(self):
        started.append(self.processes)
        return original(self)

    monkeypatch.setattr(qr.QrMaker, "_start", start)
    client = login(world.township_office)
    job, _ = export(client, world.township)
    assert started == [2]
    data = b"".join(client.get(f"/archives/exports/{job.pk}/download/").streaming_content)
    assert cards_of(data) == {h.number: active_url(h) for h in archives["all"]}


def test_an_empty_village_gives_a_file_that_says_so(world, login):
    client = login(world.township_office)
    job, _ = export(client, world.village2)
    assert job.status == ExportStatus.DONE and job.total == 0
    data = b"".join(client.get(f"/archives/exports/{job.pk}/download/").streaming_content)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "没有可导出的贫困户" in text and "共 0 户" in text


def test_a_card_document_finishes_at_the_end_of_its_block_and_not_after_an_error(tmp_path):
    import zipfile

    from archives.docx import CardDocument

    with CardDocument(tmp_path / "ok.docx") as document:
        document.cover("长征村 贫困户二维码档案")
    assert "长征村" in "\n".join(p.text for p in docx.Document(tmp_path / "ok.docx").paragraphs)

    with pytest.raises(RuntimeError), CardDocument(tmp_path / "broken.docx") as document:
        document.cover("半截")
        raise RuntimeError("the export failed")
    # The zip is closed (the caller may remove it) and holds no finished document.
    assert "word/document.xml" not in zipfile.ZipFile(tmp_path / "broken.docx").namelist()
