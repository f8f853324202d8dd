"""Issue 12 in a real browser: 仓前 village proposes a project with its meeting record and
notice photo → the township reviews → the county enters, approves and publishes the 批复公告
→ a phone opens the code printed on the board document → leaves feedback → the county
answers → the county records 到账, 安排 and 拨付 → 开工, 竣工验收 → the asset is registered."""

import datetime
import io
import re
import zipfile

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from projects.models import Feedback, FundMovement, Notice, Project
from tests.browser.conftest import PHONE, browser_login, field, horizontal_overflow, shot
from tests.projects_data import pdf, png

pytestmark = pytest.mark.browser


def menu(page, label: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=label, exact=True).click()


def step(page, code: str):
    box = page.get_by_test_id(f"step-{code}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def files(tmp_path):
    paths = {}
    for name, upload in (("meeting.pdf", pdf()), ("photo.png", png()), ("doc.pdf", pdf())):
        path = tmp_path / name
        path.write_bytes(upload.read())
        paths[name] = str(path)
    return paths


def money(page, kind_label: str, menu_label: str, project, amount: str) -> None:
    menu(page, menu_label)
    if project is not None:
        field(page, "项目").select_option(label=project_label(project))
    field(page, "资金来源").select_option(label="中央衔接资金")
    field(page, "金额（元）").fill(amount)
    field(page, "文号/凭证号").fill("赣财农指〔2026〕12号")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".msg-success")).to_contain_text(f"已记录{kind_label}")


def project_label(project) -> str:
    return str(Project.objects.get(pk=project.pk))


def test_project_from_proposal_to_asset(new_page, live_server, world, sms_outbox, tmp_path):
    today = timezone.localdate()
    paths = files(tmp_path)

    # --- 仓前 village enters and proposes the project. ----------------------------------
    village = new_page()
    browser_login(village, live_server, world.village_account, phone=world.phone, outbox=sms_outbox)
    menu(village, "项目库维护")
    village.get_by_role("link", name="项目申报").click()
    field(village, "项目名称").fill("村组道路硬化")
    field(village, "项目类别").select_option(label="基础设施")
    field(village, "建设内容").fill("硬化组道 2 公里")
    field(village, "中央衔接资金（元）").fill("200000")
    village.get_by_role("button", name="保存").click()
    expect(village.locator(".msg-success")).to_contain_text("已录入项目")
    project = Project.objects.get(name="村组道路硬化")
    box = step(village, "propose")
    field(box, "村级公示开始日期").fill((today - datetime.timedelta(days=12)).isoformat())
    field(box, "村级公示结束日期").fill((today - datetime.timedelta(days=1)).isoformat())
    field(box, "村两委会议日期").fill((today - datetime.timedelta(days=14)).isoformat())
    field(box, "村两委会议记录").set_input_files(paths["meeting.pdf"])
    field(box, "公示照片").set_input_files(paths["photo.png"])
    box.get_by_role("button", name="申报").click()
    expect(village.get_by_test_id("state")).to_have_text("村级申报")
    shot(village, "project-proposed")

    # --- The township reviews. ------------------------------------------------------------
    township = new_page()
    browser_login(township, live_server, world.township_office)
    township.goto(f"{live_server.url}/projects/{project.pk}/")
    step(township, "review").get_by_role("button", name="乡镇审核通过").click()
    expect(township.get_by_test_id("state")).to_have_text("乡镇审核通过")

    # --- The county enters, approves and publishes. ---------------------------------------
    county = new_page()
    browser_login(county, live_server, world.county_office)
    menu(county, "项目立项")
    county.get_by_role("link", name="村组道路硬化").click()
    box = step(county, "store")
    field(box, "论证意见").fill("符合规划，同意入库")
    box.get_by_role("button", name="论证入库").click()
    expect(county.get_by_test_id("state")).to_have_text("已入库")
    box = step(county, "approve")
    field(box, "批复文号").fill("于乡振字〔2026〕9号")
    field(box, "批复文件").set_input_files(paths["doc.pdf"])
    box.get_by_role("button", name="计划批复").click()
    expect(county.get_by_test_id("approval-number")).to_contain_text("于乡振字〔2026〕9号")
    step(county, "announce").get_by_role("button", name="批复公告").click()
    expect(county.get_by_test_id("state")).to_have_text("已公告")
    with county.expect_download() as download:
        county.get_by_test_id("notices").get_by_role("link", name="下载（Word）").click()
    with zipfile.ZipFile(download.value.path()) as docx:
        image = next(n for n in docx.namelist() if n.startswith("word/media/"))
        (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(docx.read(image))))
    notice = Notice.objects.get(project=project)
    path = re.sub(r"^https?://[^/]+", "", code.text)
    assert path == f"/p/{notice.token}/"

    # --- A phone opens the code's page, without login, and leaves feedback. ----------------
    phone = new_page(PHONE)
    phone.goto(live_server.url + path)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("村组道路硬化")
    assert horizontal_overflow(phone) == 0
    field(phone, "手机号码").fill("13700001111")
    field(phone, "反馈内容").fill("道路什么时候开工？")
    phone.get_by_role("button", name="提交反馈").click()
    expect(phone.get_by_test_id("feedback-sent")).to_be_visible()
    shot(phone, "project-public-page")

    # --- The county answers from its inbox. -----------------------------------------------
    menu(county, "在线反馈")
    expect(county.get_by_test_id("inbox")).to_contain_text("137****1111")
    county.get_by_role("link", name="道路什么时候开工？").click()
    field(county, "答复（将在公开页面发布，不含反馈人信息）").fill("预计下月开工。")
    county.get_by_role("button", name="答复").click()
    expect(county.get_by_test_id("answer")).to_contain_text("预计下月开工。")
    assert Feedback.objects.get().answered_at is not None
    phone.reload()
    expect(phone.get_by_test_id("answers")).to_contain_text("预计下月开工。")
    expect(phone.locator("body")).not_to_contain_text("13700001111")

    # --- 到账, 安排, 拨付. -------------------------------------------------------------------
    money(county, "到账", "扶贫资金到账", None, "300000")
    money(county, "安排", "扶贫资金安排", project, "200000")
    money(county, "拨付", "扶贫资金下拨", project, "60000")
    expect(county.get_by_test_id("disbursed")).to_contain_text("60000.00 元")
    assert FundMovement.objects.count() == 3

    # --- 开工, 竣工验收: the asset. ---------------------------------------------------------
    step(county, "start").get_by_role("button", name="开工实施").click()
    expect(county.get_by_test_id("state")).to_have_text("实施中")
    box = step(county, "accept")
    field(box, "验收表").set_input_files(paths["doc.pdf"])
    field(box, "验收结论").fill("合格")
    box.get_by_role("button", name="竣工验收").click()
    expect(county.get_by_test_id("state")).to_have_text("已竣工验收")
    expect(county.get_by_test_id("assets")).to_contain_text("村组道路硬化")
    expect(county.get_by_test_id("assets")).to_contain_text("公益性资产")
    shot(county, "project-accepted")
