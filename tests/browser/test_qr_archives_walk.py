"""Issue 10 in a real browser: a township office selects a village in the region tree of
the household list, exports its QR archives, watches the progress bar and downloads a valid
.docx; the code opens the public page, which fits a phone screen."""

import io

import docx
import pytest
from playwright.sync_api import expect

from archives.models import Export, ExportStatus
from tests.archives_data import HEADS_1, cards_of, make_archives
from tests.browser.conftest import browser_login, horizontal_overflow, shot
from tests.households_data import no_sms_throttle  # noqa: F401

pytestmark = pytest.mark.browser


def test_township_exports_a_village_and_downloads_the_docx(
    new_page, live_server, world, settings, tmp_path
):
    settings.EXPORT_DIR = tmp_path / "exports"
    settings.EXPORT_INLINE_MAX = 0  # through the task, as a large export would go
    settings.SITE_URL = live_server.url
    archives = make_archives(world)

    page = new_page()
    browser_login(page, live_server, world.township_office)
    page.goto(f"{live_server.url}/households/")
    page.get_by_test_id("region-filter").get_by_role("link", name=world.village.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.village.name)
    page.get_by_role("button", name="导出二维码信息").click()

    progress = page.get_by_test_id("export-progress")
    expect(progress).to_be_visible()
    expect(progress.locator("progress")).to_have_attribute("value", "3")
    expect(progress).to_contain_text("已完成 3 / 3 户")
    shot(page, "qr-export-progress")
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    data = open(download.path(), "rb").read()
    document = docx.Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 3
    cards = cards_of(data)
    assert set(cards) == {h.number for h in archives["first"]}

    # The code of the first card opens the public page; it fits a phone.
    phone = new_page({"width": 390, "height": 844})
    phone.goto(cards[archives["first"][0].number])
    expect(phone.get_by_test_id("qr-archive")).to_contain_text(HEADS_1[0])
    assert horizontal_overflow(phone) == 0
    shot(phone, "qr-public-phone")

    page.goto(f"{live_server.url}/archives/exports/")
    expect(page.get_by_test_id("exports")).to_contain_text(world.village.name)


def test_the_progress_page_follows_a_running_export(new_page, live_server, world, settings):
    """The bar moves as the worker reports (static/js/export-progress.js polls the status)."""
    page = new_page()
    browser_login(page, live_server, world.township_office)
    job = Export.objects.create(
        owner=world.township_office,
        region=world.township,
        region_code=world.township.code,
        total=400,
        done=100,
        status=ExportStatus.RUNNING,
    )
    page.goto(f"{live_server.url}/archives/exports/{job.pk}/")
    progress = page.get_by_test_id("export-progress")
    expect(progress).to_contain_text("已完成 100 / 400 户")
    expect(page.get_by_test_id("download")).to_be_hidden()
    Export.objects.filter(pk=job.pk).update(done=300)
    expect(progress).to_contain_text("已完成 300 / 400 户")
    expect(progress.locator("progress")).to_have_js_property("value", 300)
    Export.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error="导出失败，请稍后重试。"
    )
    expect(progress).to_contain_text("导出失败，请稍后重试。")
