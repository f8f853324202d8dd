"""受益户, 公告公示 and 扶贫项目资产 (issue 12, items 2, 4 and 5): beneficiaries from the
household table, a board document and a public page that carry nothing private, feedback
answered by the county, asset income shared by the households' status month by month."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import lxml.html
import openpyxl
import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from docx import Document
from PIL import Image

from households import lifecycle
from households.choices import HouseholdStatus as HS
from households.models import Household, StatusChange
from poverty_system.core.actor import Actor
from projects.disclosure import board_document
from projects.errors import ProjectError
from projects.models import Beneficiary, Feedback, IncomeShare, Notice
from projects.privacy import find_private
from projects.services import assets, beneficiaries, feedback

from .households_data import make_id, member, register
from .projects_data import days_ago, make_project, walk

pytestmark = pytest.mark.django_db


def households(world, n=3):
    return [
        register(
            world.village_account, world.phone, [member(f"户主{i}", id_number=make_id(100 + i))]
        )
        for i in range(n)
    ]


def xlsx(numbers, header="户编号"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([header])
    for number in numbers:
        sheet.append([number])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("list.xlsx", out.getvalue())


# --- beneficiaries -------------------------------------------------------------------------


def test_beneficiaries_by_list_and_their_counts_from_the_household_table(world):
    project = make_project(world)
    a, b, c = households(world)
    added = beneficiaries.add(Actor(world.township_office), project.pk, [a.pk, b.pk, "x"], "job")
    assert added == 2
    counts = beneficiaries.counts(project)
    assert counts["total"] == 2 and counts["poor"] == 2 and counts["lifted"] == 0
    # a status change shows at once: nothing typed is kept
    locked = Household.objects.get(pk=a.pk)
    lifecycle.transition(Actor(world.township_office), locked, HS.LIFTED, "达标")
    counts = beneficiaries.counts(project)
    assert counts["poor"] == 1 and counts["lifted"] == 1


def test_households_outside_the_project_villages_are_not_added(world):
    project = make_project(world)
    outsider = register(
        world.other_village_account, world.other_phone, [member("外村", id_number=make_id(900))]
    )
    with pytest.raises(ProjectError, match="请勾选"):
        beneficiaries.add(Actor(world.county_office), project.pk, [outsider.pk], "job")
    assert not Beneficiary.objects.exists()


def test_an_excel_list_is_all_or_nothing_with_the_bad_rows_named(world):
    project = make_project(world)
    a, b, _ = households(world)
    numbers = beneficiaries.read_numbers(xlsx([a.number, "999999999999999"]))
    with pytest.raises(ProjectError, match="第 3 行：户编号 999999999999999"):
        beneficiaries.add_by_numbers(Actor(world.county_office), project.pk, numbers, "dividend")
    assert not Beneficiary.objects.exists()
    numbers = beneficiaries.read_numbers(xlsx([a.number, b.number]))
    assert (
        beneficiaries.add_by_numbers(Actor(world.county_office), project.pk, numbers, "dividend")
        == 2
    )
    with pytest.raises(ProjectError, match="Excel|文件"):
        beneficiaries.read_numbers(SimpleUploadedFile("x.xlsx", b"not a zip"))


def test_beneficiary_roles(world):
    project = make_project(world)
    (a,) = households(world, 1)
    for account in (world.city_office, world.admin):
        with pytest.raises(PermissionDenied):
            beneficiaries.add(Actor(account), project.pk, [a.pk], "job")
    for account in (
        world.other_township_office,
        world.other_county_office,
        world.cadre_account,
        world.unit_account,
    ):
        with pytest.raises(Http404):
            beneficiaries.add(Actor(account), project.pk, [a.pk], "job")


def test_the_household_page_shows_the_projects_benefiting_it(world, login):
    project = make_project(world, name="惠及本户的项目")
    (a,) = households(world, 1)
    beneficiaries.add(Actor(world.township_office), project.pk, [a.pk], "dividend")
    page = login(world.township_office).get(f"/households/{a.pk}/").content.decode()
    assert "受益项目" in page and "惠及本户的项目" in page and "资产收益分红" in page


def test_the_beneficiary_page_search_and_add(world, login):
    project = make_project(world)
    a, b, _ = households(world)
    client = login(world.county_office)
    page = client.get(f"/projects/{project.pk}/beneficiaries/?q={a.number}").content.decode()
    assert a.number in page and b.number not in page
    response = client.post(
        f"/projects/{project.pk}/beneficiaries/add/", {"households": [a.pk], "way": "job"}
    )
    assert response.status_code == 302
    assert Beneficiary.objects.filter(project=project, household=a).exists()
    response = client.post(
        f"/projects/{project.pk}/beneficiaries/import/", {"file": xlsx([b.number]), "way": "land"}
    )
    assert Beneficiary.objects.get(project=project, household=b).way == "land"


# --- disclosure ----------------------------------------------------------------------------

PRIVATE_HINTS = ("13812345678", "6228480012345678", "13900000001")


def announced(world):
    project = walk(world, make_project(world, implementing_unit=world.unit), "announce")
    for h in households(world, 2):
        beneficiaries.add(Actor(world.county_office), project.pk, [h.pk], "job")
    return project, Notice.objects.get(project=project)


def assert_nothing_private(text: str, world):
    assert find_private(text) == [], find_private(text)
    for value in PRIVATE_HINTS:
        assert value not in text
    for household in Household.objects.all():
        for m in household.members.all():
            assert m.id_number not in text


def test_the_public_page_needs_no_login_and_shows_nothing_private(world, client):
    project, notice = announced(world)
    response = client.get(f"/p/{notice.token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert project.name in page and "12317" in page and "在线反馈" in page
    assert 'name="viewport"' in page and "width=device-width" in page
    assert "户主0" not in page  # no beneficiary's name
    assert_nothing_private(re.sub(r"<[^>]+>", " ", page), world)
    assert client.get("/p/not-a-token/").status_code == 404


def test_free_text_with_a_phone_is_starred_out_on_the_public_page(world, client):
    project = walk(world, make_project(world, link_mechanism="联系13812345678报名"), "announce")
    notice = Notice.objects.get(project=project)
    page = client.get(f"/p/{notice.token}/").content.decode()
    assert "13812345678" not in page and "联系＊＊＊＊＊＊＊＊＊＊＊报名" in page


def test_the_board_document_is_a4_with_a_qr_code_to_the_public_page(world, login):
    project, notice = announced(world)
    response = login(world.village_account, world.phone).get(
        f"/projects/notices/{notice.pk}/board/"
    )
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert project.name in text and "监督电话：12317" in text and "于扶字〔2026〕12号" in text
    assert_nothing_private(text, world)
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        images = [n for n in docx.namelist() if n.startswith("word/media/")]
        codes = [
            r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(docx.read(images[0]))))
        ]
        xml = docx.read("word/document.xml").decode()
    assert codes == [f"http://127.0.0.1:8000/p/{notice.token}/"]
    assert_nothing_private(re.sub(r"<[^>]+>", " ", xml), world)
    # out of the slice: 404
    assert (
        login(world.other_county_office).get(f"/projects/notices/{notice.pk}/board/").status_code
        == 404
    )


def test_feedback_lands_in_the_county_inbox_and_the_answer_is_published_without_the_sender(
    world, client, login
):
    project, notice = announced(world)
    response = client.post(
        f"/p/{notice.token}/feedback/",
        {"name": "李四", "phone": "13700001111", "text": "大棚何时开工？"},
    )
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert item.answer_due > days_ago(0)
    county = login(world.county_office)
    inbox = county.get("/projects/feedback/").content.decode()
    assert "137****1111" in inbox and "13700001111" not in inbox
    assert login(world.other_county_office).get(f"/projects/feedback/{item.pk}/").status_code == 404
    assert login(world.township_office).get(f"/projects/feedback/{item.pk}/").status_code == 403
    county = login(world.county_office)
    refused = county.post(f"/projects/feedback/{item.pk}/answer/", {"answer": "请致电13700001111"})
    assert refused.status_code == 302 and not Feedback.objects.get().answered_at
    county.post(f"/projects/feedback/{item.pk}/answer/", {"answer": "已于本月开工。"})
    page = client.get(f"/p/{notice.token}/").content.decode()
    assert "已于本月开工。" in page and "李四" not in page and "13700001111" not in page


def test_feedback_is_checked_and_rate_limited(world, client):
    from django.core.cache import cache

    cache.clear()  # the budget is per address and hour: start from a fresh one
    _, notice = announced(world)
    page = client.post(f"/p/{notice.token}/feedback/", {"phone": "123", "text": "很长的反馈内容"})
    assert "请填写 11 位手机号码" in page.content.decode()
    statuses = [
        client.post(
            f"/p/{notice.token}/feedback/", {"phone": "13700001111", "text": f"第{i}条反馈内容"}
        ).status_code
        for i in range(7)
    ]
    assert statuses.count(302) == 4 and statuses[-1] == 429  # 5 tries an hour, one used above
    with pytest.raises(ProjectError):
        feedback.submit(notice, name="", phone="13700001111", text="短")


# --- assets --------------------------------------------------------------------------------


def test_income_sharing_stops_the_month_after_a_household_leaves(world):
    project = walk(world, make_project(world), "start")
    stays, leaves = households(world, 2)
    beneficiaries.add(Actor(world.county_office), project.pk, [stays.pk, leaves.pk], "dividend")
    from projects.services import library

    from .projects_data import step_data

    library.take_step(Actor(world.county_office), project.pk, "accept", step_data("accept"))
    asset = project.assets.get()
    assert asset.kind == "operating"
    # the household left 稳定脱贫（不再享受政策）in March of last year
    locked = Household.objects.get(pk=leaves.pk)
    lifecycle.transition(Actor(world.township_office), locked, HS.LIFTED, "达标")
    lifecycle.transition(
        Actor(world.township_office),
        Household.objects.get(pk=leaves.pk),
        HS.LIFTED_NO_SUPPORT,
        "稳定",
    )
    year = days_ago(0).year - 1
    changes = StatusChange.objects.filter(household=leaves).order_by("pk")
    first, second = list(changes)[-2:]
    StatusChange.objects.filter(pk=first.pk).update(
        at=datetime.datetime(year, 2, 10, tzinfo=datetime.UTC)
    )
    StatusChange.objects.filter(pk=second.pk).update(
        at=datetime.datetime(year, 3, 15, tzinfo=datetime.UTC)
    )
    StatusChange.objects.filter(household__in=[stays, leaves], to_status=HS.POOR).update(
        at=datetime.datetime(year - 1, 6, 1, tzinfo=datetime.UTC)
    )
    income = assets.record_income(Actor(world.county_office), asset.pk, year, "20000", "15000")
    shares = {s.household_id: s for s in IncomeShare.objects.filter(income=income)}
    assert shares[stays.pk].months == 12 and shares[leaves.pk].months == 3
    assert shares[stays.pk].amount == Decimal("12000.00") and shares[leaves.pk].amount == Decimal(
        "3000.00"
    )
    with pytest.raises(ProjectError, match="已登记"):
        assets.record_income(Actor(world.county_office), asset.pk, year, "1", "1")


def test_asset_ledgers_by_slice_and_the_export(world, login):
    project = walk(world, make_project(world), "accept")
    for account, seen in (
        (world.county_office, True),
        (world.township_office, True),
        (world.city_office, True),
        (world.other_township_office, False),
        (world.other_county_office, False),
    ):
        page = login(account).get("/projects/assets/").content.decode()
        assert (project.name in page) == seen, account
    response = login(world.county_office).get("/projects/assets/?format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0] == "资产名称" and rows[1][0] == project.name
    asset = project.assets.get()
    assert (
        login(world.township_office).post(f"/projects/assets/{asset.pk}/edit/").status_code == 403
    )
    assert login(world.other_county_office).get(f"/projects/assets/{asset.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        assets.edit(Actor(world.township_office), asset.pk, {"name": "x"}, asset.version)


def test_a_stale_asset_edit_is_refused(world):
    from poverty_system.core.versioning import StaleEdit

    asset = walk(world, make_project(world), "accept").assets.get()
    assets.edit(Actor(world.county_office), asset.pk, {"manager": "村委会"}, asset.version)
    with pytest.raises(StaleEdit):
        assets.edit(Actor(world.county_office), asset.pk, {"manager": "合作社"}, asset.version)


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_projects_come_through_the_real_actions_and_once(small_tree, login):
    from io import StringIO

    from django.core.management import call_command

    from portal.demo.accounts import ensure_demo_accounts
    from portal.demo.units import ensure_demo_unit
    from projects.models import FundMovement, Project

    ensure_demo_accounts()
    ensure_demo_unit()
    call_command("seed_demo", stdout=StringIO())  # households and the units demo too
    out = StringIO()
    call_command("seed_projects_demo", stdout=out)
    states = dict(Project.objects.values_list("name", "state"))
    assert states == {
        "仓前村脐橙产业基地": "implementing",
        "仓前村组道路硬化": "proposed",
        "仓前村光伏电站": "accepted",
        "仓前村农技培训": "draft",
    }
    assert all(p.events.exists() or p.state == "draft" for p in Project.objects.all())
    movements = FundMovement.objects.count()
    assert Beneficiary.objects.count() == 18 and movements == 6
    call_command("seed_projects_demo", stdout=out)
    assert Project.objects.count() == 4 and FundMovement.objects.count() == movements


def test_the_notice_gives_12317_and_the_county_s_own_supervision_phone(world, client):
    """The county's own phone (its 识别规则) stands beside 12317 on the page and the board."""
    from identification.models import CountyRules

    CountyRules.objects.create(county=world.county, county_phone="0797-6212317")
    project, notice = announced(world)
    assert notice.hotline == "12317、0797-6212317"
    page = lxml.html.fromstring(client.get(f"/p/{notice.token}/").content.decode())
    (line,) = page.xpath("//p[@data-testid='hotline']")
    assert line.text_content() == "监督电话：12317、0797-6212317"
    assert line.xpath(".//a/@href") == ["tel:12317", "tel:0797-6212317"]
    text = "\n".join(p.text for p in Document(io.BytesIO(board_document(notice))).paragraphs)
    assert "监督电话：12317、0797-6212317。" in text
