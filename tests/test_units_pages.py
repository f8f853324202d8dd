"""The units pages in the browser's place (Django test client): each page for the right
account, refused for the others (403 in the slice with the wrong role, 404 outside)."""

import datetime
import io

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry
from units import services
from units.models import (
    Assignment,
    Cadre,
    HouseholdLink,
    Survey,
    Transfer,
    Unit,
    UnitVillage,
    VisitLog,
)
from villages.accounts import AccountError
from villages.models import User

from .households_data import make_id, no_sms_throttle, register  # noqa: F401
from .units_data import assigned_household, link_world_village, linked_household, the_cadre

TODAY = datetime.date(2026, 6, 1)


def text(response) -> str:
    return lxml.html.fromstring(response.content.decode()).text_content()


def rows(response, testid: str) -> list[str]:
    page = lxml.html.fromstring(response.content.decode())
    found = page.xpath(f'//table[@data-testid="{testid}"]/tbody/tr[not(td[@class="empty"])]')
    return [" ".join(r.text_content().split()) for r in found]


# --- 帮扶情况登记表 ---------------------------------------------------------------------------


def test_unit_links_a_village_and_writes_plans_in_the_page(world, login):
    client = login(world.unit_account)
    page = client.get("/units/villages/")
    assert page.status_code == 200
    options = lxml.html.fromstring(page.content.decode()).xpath('//select[@name="village"]/option')
    names = {o.text for o in options if o.get("value")}
    # Each village is named with its township (a county has villages of the same name).
    assert f"{world.township.name} · {world.village.name}" in names
    assert not any(world.other_county.name in name for name in names)
    response = client.post(
        "/units/villages/link/", {"village": world.village.pk, "plan": "三年规划"}
    )
    link = UnitVillage.objects.get()
    assert response.status_code == 302 and response.url == f"/units/villages/{link.pk}/"
    response = client.post(
        f"/units/villages/{link.pk}/plans/",
        {
            "version": 1,
            "plan": "三年规划（修订）",
            "year": current_year(),
            "annual_plan": "修路",
        },
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.plan == "三年规划（修订）" and link.annual_plans.get().content == "修路"


def test_a_village_from_another_county_is_refused_next_to_the_field(world, login):
    client = login(world.unit_account)
    response = client.post("/units/villages/link/", {"village": world.other_county.pk})
    assert response.status_code == 200 and not UnitVillage.objects.exists()


def test_the_village_and_offices_read_village_links_of_their_slice(world, login):
    link = link_world_village(world)
    for name in ("village_account", "township_office", "county_office", "city_office"):
        client = login(getattr(world, name))
        assert world.unit.name in " ".join(rows(client.get("/units/villages/"), "village-links"))
        assert client.get(f"/units/villages/{link.pk}/").status_code == 200
        assert client.post(f"/units/villages/{link.pk}/plans/", {}).status_code == 403
    for name in ("other_village_account", "other_township_office", "other_county_office"):
        client = login(getattr(world, name))
        assert rows(client.get("/units/villages/"), "village-links") == []
        assert client.get(f"/units/villages/{link.pk}/").status_code == 404


# --- 关联单位 -----------------------------------------------------------------------------


def test_village_links_a_household_in_the_page(world, login):
    link_world_village(world)
    household = register(world.village_account, world.phone)
    client = login(world.village_account, world.phone)
    page = client.get(f"/units/links/?household={household.pk}")
    assert household.number in " ".join(rows(page, "link-households"))
    response = client.post(
        "/units/links/add/", {"households": [household.pk], "unit": world.unit.pk}
    )
    assert response.status_code == 302
    assert HouseholdLink.objects.get().household == household


def test_village_link_page_lists_only_households_of_the_verified_phone(world, login):
    link_world_village(world)
    mine = register(world.village_account, world.phone)
    other = register(world.village_account, world.phone2)
    client = login(world.village_account, world.phone)
    listed = " ".join(rows(client.get("/units/links/"), "link-households"))
    assert mine.number in listed and other.number not in listed
    response = client.post("/units/links/add/", {"households": [other.pk], "unit": world.unit.pk})
    assert response.status_code == 200 and "本手机号认领" in text(response)
    assert not HouseholdLink.objects.exists()


def test_township_cancels_a_link_in_the_page_and_others_cannot(world, login):
    link_world_village(world)
    household = linked_household(world)
    link = HouseholdLink.objects.get(household=household)
    for name, status in (
        ("other_township_office", 404),
        ("county_office", 403),
        ("unit_account", 403),
        ("village_account", 403),
    ):
        client = login(getattr(world, name))
        assert client.post(f"/units/links/{link.pk}/cancel/", {"reason": "x"}).status_code == status
    client = login(world.township_office)
    listed = client.get("/units/links/")
    assert household.number in " ".join(rows(listed, "household-links"))
    response = client.post(f"/units/links/{link.pk}/cancel/", {"reason": ""})
    assert response.status_code == 200 and HouseholdLink.objects.get().active
    response = client.post(f"/units/links/{link.pk}/cancel/", {"reason": "关联错误"})
    assert response.status_code == 302 and not HouseholdLink.objects.get().active


def test_unit_sees_exactly_its_linked_households(world, login):
    link_world_village(world)
    linked = linked_household(world)
    unlinked = register(world.village_account, world.phone)
    client = login(world.unit_account)
    listed = " ".join(rows(client.get("/units/links/"), "household-links"))
    assert linked.number in listed and unlinked.number not in listed


# --- 帮扶干部信息管理 -----------------------------------------------------------------------


def test_unit_adds_a_cadre_with_a_validated_id_number_and_creates_the_login(world, login):
    client = login(world.unit_account)
    response = client.post("/units/cadres/add/", {"name": "赵六", "id_number": "123"})
    assert response.status_code == 200 and not Cadre.objects.filter(name="赵六").exists()
    number = make_id(birth="19850505")
    response = client.post(
        "/units/cadres/add/",
        {"name": "赵六", "id_number": number, "phone": "13912345678", "political_status": "cpc"},
    )
    cadre = Cadre.objects.get(name="赵六")
    assert response.status_code == 302 and cadre.gender in ("male", "female")
    assert cadre.history.count() == 1
    detail = client.get(f"/units/cadres/{cadre.pk}/")
    assert number not in detail.content.decode()  # masked
    response = client.post(f"/units/cadres/{cadre.pk}/account/", {"username": "zhaoliu"})
    assert response.status_code == 200
    account = User.objects.get(username="zhaoliu")
    assert account.role == "cadre" and account.must_change_password
    cadre.refresh_from_db()
    assert cadre.user == account


def test_cadre_edit_keeps_the_newer_data_on_a_stale_form(world, login):
    cadre = the_cadre(world)
    client = login(world.unit_account)
    data = {"version": cadre.version, "name": "王明", "position": "科长"}
    assert client.post(f"/units/cadres/{cadre.pk}/edit/", data).status_code == 302
    response = client.post(f"/units/cadres/{cadre.pk}/edit/", {**data, "position": "副科长"})
    assert response.status_code == 200 and "已被他人修改" in text(response)
    assert Cadre.objects.get(pk=cadre.pk).position == "科长"


def test_cadre_pages_answer_by_slice(world, login):
    cadre = the_cadre(world)
    for name, status in (
        ("unit_account", 200),
        ("county_office", 200),
        ("city_office", 200),
        ("other_county_office", 404),
    ):
        client = login(getattr(world, name))
        assert client.get(f"/units/cadres/{cadre.pk}/").status_code == status, name
    for name, status in (("county_office", 403), ("other_county_office", 403)):
        client = login(getattr(world, name))
        assert client.get(f"/units/cadres/{cadre.pk}/assign/").status_code == status, name


def test_assign_add_confirm_and_remove_in_the_page(world, login):
    link_world_village(world)
    households = [linked_household(world) for _ in range(2)]
    unlinked = register(world.village_account, world.phone)
    cadre = the_cadre(world)
    client = login(world.unit_account)
    page = client.get(f"/units/cadres/{cadre.pk}/assign/")
    candidates = " ".join(rows(page, "candidates"))
    assert all(h.number in candidates for h in households) and unlinked.number not in candidates
    explained = client.get(f"/units/cadres/{cadre.pk}/assign/?q={unlinked.number}")
    assert "尚未关联帮扶单位" in text(explained)
    # a household outside the unit's slice: its head's name masked
    reason = " ".join(text(explained).split())
    head = unlinked.head_name
    assert f"{head[0]}{'*' * (len(head) - 1)}" in reason and head not in reason
    assert "尚未登记" in text(client.get(f"/units/cadres/{cadre.pk}/assign/?q=000000000000"))
    response = client.post(
        f"/units/cadres/{cadre.pk}/assign/confirm/", {"households": [h.pk for h in households]}
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(cadre=cadre, ended_at__isnull=True).count() == 2
    response = client.post(
        f"/units/cadres/{cadre.pk}/unassign/", {"households": [households[0].pk]}
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(cadre=cadre, ended_at__isnull=True).count() == 1


def test_assigning_many_households_takes_a_constant_number_of_queries(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    link_world_village(world)
    cadre = the_cadre(world)
    actor = Actor.system(world.unit_account)

    def measure(n):
        ids = [linked_household(world).pk for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            services.assign_households(actor, cadre, ids)
        return len(ctx.captured_queries)

    assert measure(2) == measure(6) == 9


# --- transfer and departure ---------------------------------------------------------------


def test_transfer_ends_the_assignments_of_households_the_receiving_unit_does_not_assist(world):
    link_world_village(world)
    ended = assigned_household(world)
    other, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    cadre = the_cadre(world)
    services.transfer_cadre(
        Actor.system(world.unit_account),
        cadre,
        other,
        kind="secondment",
        date=datetime.date(2026, 6, 1),
    )
    assert Transfer.objects.get(cadre=cadre).to_unit == other
    cadre.refresh_from_db()
    assert cadre.unit == other
    row = Assignment.objects.get(household=ended)
    assert row.ended_at is not None and row.end_kind == "transfer"
    # The household shows up as unassigned for the old unit, still linked to it.
    assert HouseholdLink.objects.get(household=ended).unit == world.unit
    assert AuditEntry.objects.filter(action="transfer").exists()
    # The old unit no longer sees the cadre; the borrow back (借调回) is the new unit's.
    from django.http import Http404

    with pytest.raises(Http404):
        services.transfer_cadre(
            Actor.system(world.unit_account), cadre, world.unit, kind="return", date=TODAY
        )
    edu = User.objects.get(username="edu")
    services.transfer_cadre(Actor.system(edu), cadre, world.unit, kind="return", date=TODAY)
    assert Cadre.objects.get(pk=cadre.pk).unit == world.unit
    assert list(Transfer.objects.filter(cadre=cadre).values_list("kind", flat=True)) == [
        "return",
        "secondment",
    ]


def test_transfer_keeps_assignments_of_households_the_receiving_unit_assists(world):
    link_world_village(world)
    household = assigned_household(world)
    other, other_account, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    # A merge-like move: the household's link moves to `other`, then the cadre follows.
    services.reorganize_units(
        Actor.system(world.county_office),
        mode="split",
        sources=[world.unit],
        cadres=[the_cadre(world)],
        villages=list(UnitVillage.objects.filter(unit=world.unit)),
        name="于都县新工作队",
        region=world.county,
        username="newteam",
    )
    new_unit = Unit.objects.get(name="于都县新工作队")
    active = Assignment.objects.get(household=household, ended_at__isnull=True)
    assert active.unit == new_unit and active.cadre == the_cadre(world)
    assert HouseholdLink.objects.get(household=household, ended_at__isnull=True).unit == new_unit
    assert other.pk != new_unit.pk


def test_transfer_page_for_the_unit_only(world, login):
    other, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    cadre = the_cadre(world)
    assert login(world.county_office).get("/units/cadres/transfer/").status_code == 403
    client = login(world.unit_account)
    page = client.get(f"/units/cadres/transfer/?cadre={cadre.pk}")
    assert "于都县教育局" in text(page)
    response = client.post(
        "/units/cadres/transfer/",
        {"cadre": cadre.pk, "to_unit": other.pk, "kind": "transfer", "date": "2026-06-01"},
    )
    assert response.status_code == 302
    assert Cadre.objects.get(pk=cadre.pk).unit == other


def test_departure_is_confirmed_then_blocks_the_login(world, login, client):
    link_world_village(world)
    household = assigned_household(world)
    cadre = the_cadre(world)
    unit_client = login(world.unit_account)
    step = unit_client.post("/units/cadres/depart/", {"cadre": cadre.pk, "date": "2026-06-01"})
    assert step.status_code == 200 and "不可撤销" in text(step)
    assert Cadre.objects.get(pk=cadre.pk).left_at is None
    done = unit_client.post(
        "/units/cadres/depart/", {"cadre": cadre.pk, "date": "2026-06-01", "confirm": "yes"}
    )
    assert done.status_code == 302
    cadre.refresh_from_db()
    assert cadre.left_at is not None and not cadre.user.is_active
    assert Assignment.objects.get(household=household).end_kind == "departure"
    client.logout()
    from .conftest import PASSWORD

    response = client.post("/login/", {"username": "cadre", "password": PASSWORD})
    assert response.status_code == 200  # refused
    with pytest.raises(services.UnitError):
        services.depart_cadre(Actor.system(world.unit_account), cadre)


def test_a_transfer_or_departure_dated_after_today_is_refused(world, login):
    """Both take effect at once (assignments end, the login stops): a later date would be a
    false record."""
    other, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    cadre = the_cadre(world)
    later = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    client = login(world.unit_account)
    response = client.post(
        "/units/cadres/transfer/",
        {"cadre": cadre.pk, "to_unit": other.pk, "kind": "transfer", "date": later},
    )
    assert response.status_code == 200 and "调动日期不能晚于今天" in text(response)
    response = client.post(
        "/units/cadres/depart/", {"cadre": cadre.pk, "date": later, "confirm": "yes"}
    )
    assert response.status_code == 200 and "离开日期不能晚于今天" in text(response)
    cadre.refresh_from_db()
    assert cadre.unit_id == world.unit.pk and cadre.left_at is None and cadre.user.is_active
    assert not Transfer.objects.exists()


# --- surveys ------------------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile("张三家.png", buffer.getvalue(), content_type="image/png")


def test_cadre_fills_the_survey_and_a_visit_with_a_photo(world, login, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    home = client.get("/")
    assert "待填写调查表" in text(home)
    data = {
        "wishes": "发展养殖",
        "exit_year": current_year() + 1,
        "exit_plan": "养牛",
        "measures-TOTAL_FORMS": "1",
        "measures-INITIAL_FORMS": "0",
        "measures-0-kind": "industry",
        "measures-0-description": "购买牛犊",
        "measures-0-amount": "3000",
        "measures-0-status": "ongoing",
    }
    response = client.post(f"/units/surveys/{household.pk}/", data)
    assert response.status_code == 302, text(response)
    survey = Survey.objects.get(household=household)
    assert survey.measures.get().amount == 3000 and survey.exit_year == current_year() + 1
    response = client.post(
        f"/units/surveys/{household.pk}/visits/",
        {"date": "2026-06-01", "content": "入户走访", "photo": _png()},
    )
    assert response.status_code == 302
    visit = VisitLog.objects.get()
    assert visit.photo and "张三" not in visit.photo.name
    assert client.get(f"/units/visits/{visit.pk}/photo/").status_code == 200
    # The unit and the offices read it; the other county does not.
    for name, status in (
        ("unit_account", 200),
        ("township_office", 200),
        ("county_office", 200),
        ("other_county_office", 404),
        ("other_township_office", 404),
    ):
        reader = login(getattr(world, name))
        assert reader.get(f"/units/surveys/{household.pk}/").status_code == status, name
        assert reader.get(f"/units/visits/{visit.pk}/photo/").status_code == status, name
    unit_client = login(world.unit_account)
    assert unit_client.post(f"/units/surveys/{household.pk}/", data).status_code == 403


def test_a_survey_without_measures_leaves_the_blank_row_alone(world, login):
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    data = {
        "wishes": "务工",
        "exit_year": "",
        "exit_plan": "",
        "measures-TOTAL_FORMS": "1",
        "measures-INITIAL_FORMS": "0",
        "measures-0-kind": "",
        "measures-0-description": "",
        "measures-0-amount": "0",
        "measures-0-status": "planned",
    }
    response = client.post(f"/units/surveys/{household.pk}/", data)
    assert response.status_code == 302, text(response)
    survey = Survey.objects.get(household=household)
    assert survey.wishes == "务工" and not survey.measures.exists()
    # A second save with a stale version is refused and keeps the first.
    response = client.post(f"/units/surveys/{household.pk}/", {**data, "wishes": "养殖"})
    assert response.status_code == 200 and "已被他人修改" in text(response)
    data["version"] = str(survey.version)
    response = client.post(f"/units/surveys/{household.pk}/", {**data, "wishes": "养殖"})
    assert response.status_code == 302
    assert Survey.objects.get(pk=survey.pk).wishes == "养殖"


def test_a_survey_save_keeps_the_measures_of_a_monitoring_risk(world, login):
    """The cadre's survey lists its own measures; one tied to a 监测对象's risk (kept on the
    监测对象 page, counted by the 风险消除 gate) stays when the survey is saved without it."""
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    data = {
        "wishes": "务工",
        "exit_year": "",
        "exit_plan": "",
        "measures-TOTAL_FORMS": "2",
        "measures-INITIAL_FORMS": "0",
        **{
            f"measures-{i}-{k}": v
            for i in (0, 1)
            for k, v in (("amount", "0"), ("status", "planned"))
        },
        "measures-0-kind": "health",
        "measures-0-description": "大病保险",
        "measures-1-kind": "industry",
        "measures-1-description": "养殖",
    }
    assert client.post(f"/units/surveys/{household.pk}/", data).status_code == 302
    survey = Survey.objects.get(household=household)
    health = survey.measures.get(kind="health")
    health.risk_id = 1  # as 监测对象's 添加帮扶措施 stores it
    health.save()
    data = {
        **{k: v for k, v in data.items() if not k.startswith("measures-")},
        "version": str(survey.version),
        "measures-TOTAL_FORMS": "0",
        "measures-INITIAL_FORMS": "0",
    }
    assert client.post(f"/units/surveys/{household.pk}/", data).status_code == 302
    assert list(survey.measures.values_list("kind", flat=True)) == ["health"]


def test_a_survey_of_an_unassigned_household_is_not_the_cadres(world, login):
    link_world_village(world)
    household = linked_household(world)
    client = login(world.cadre_account)
    assert client.get(f"/units/surveys/{household.pk}/").status_code == 404
    assert client.post(f"/units/surveys/{household.pk}/visits/", {}).status_code == 404


def test_a_non_image_photo_is_refused(world):
    link_world_village(world)
    household = assigned_household(world)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(services.UnitError, match="图片"):
        services.add_visit(
            Actor.system(world.cadre_account),
            household,
            date=datetime.date(2026, 6, 1),
            content="走访",
            photo=bad,
        )


def test_a_photo_named_like_a_page_is_stored_and_served_as_an_image(
    world, login, settings, tmp_path
):
    """The stored extension and the served type follow the image format, not the uploaded
    name: a PNG carrying a script under the name "x.html" must not come back as a page."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    payload = _png().read() + b"<script>alert(document.cookie)</script>"
    upload = SimpleUploadedFile("x.html", payload, content_type="text/html")
    response = client.post(
        f"/units/surveys/{household.pk}/visits/",
        {"date": "2026-06-01", "content": "入户走访", "photo": upload},
    )
    assert response.status_code == 302
    visit = VisitLog.objects.get()
    assert visit.photo.name.endswith(".png")
    response = client.get(f"/units/visits/{visit.pk}/photo/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_photo_claiming_billions_of_pixels_is_refused_with_a_message(world, login):
    """A few bytes of PNG header claiming 30000 × 30000 pixels: Pillow refuses to open it
    (DecompressionBombError, not an OSError): a message, not a 500."""
    import struct
    import zlib

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
    bomb += chunk(b"IEND", b"")
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    response = client.post(
        f"/units/surveys/{household.pk}/visits/",
        {
            "date": "2026-06-01",
            "content": "入户走访",
            "photo": SimpleUploadedFile("a.png", bomb, content_type="image/png"),
        },
        follow=True,
    )
    assert response.status_code == 200 and "照片尺寸过大" in text(response)
    assert not VisitLog.objects.exists()


# --- 单位信息管理 ------------------------------------------------------------------------------


def test_county_office_creates_a_unit_with_its_account(world, login):
    client = login(world.county_office)
    response = client.post(
        "/units/units/add/",
        {
            "name": "于都县卫健委",
            "unit_type": "party_government",
            "region": world.county.pk,
            "address": "于都县城",
            "username": "health_unit",
        },
    )
    assert response.status_code == 200 and "初始密码" in text(response)
    unit = Unit.objects.get(name="于都县卫健委")
    assert unit.grants.get().user.username == "health_unit"
    assert login(world.township_office).get("/units/units/add/").status_code == 403
    assert login(world.unit_account).get("/units/units/").status_code == 403


def test_merge_is_all_or_nothing(world, login):
    second, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    before = (Unit.objects.count(), User.objects.count(), Transfer.objects.count())
    with pytest.raises(AccountError, match="该用户名已被使用"):  # nothing is created
        services.reorganize_units(
            Actor.system(world.county_office),
            mode="merge",
            sources=[world.unit, second],
            cadres=None,
            name="合并单位",
            region=world.county,
            username="unit",
        )
    assert (Unit.objects.count(), User.objects.count(), Transfer.objects.count()) == before
    with pytest.raises(services.UnitError, match="不能晚于今天"):  # the cadres move at once
        services.reorganize_units(
            Actor.system(world.county_office),
            mode="merge",
            sources=[world.unit, second],
            cadres=None,
            name="合并单位",
            region=world.county,
            username="merged",
            date=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert (Unit.objects.count(), User.objects.count(), Transfer.objects.count()) == before
    new_unit, _, _, summary = services.reorganize_units(
        Actor.system(world.county_office),
        mode="merge",
        sources=[world.unit, second],
        cadres=None,
        name="合并单位",
        region=world.county,
        username="merged",
    )
    assert summary["cadres"] == 1 and the_cadre(world).unit == new_unit


def test_other_county_cannot_merge_our_units(world):
    from django.http import Http404

    second, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    with pytest.raises(Http404):
        services.reorganize_units(
            Actor.system(world.other_county_office),
            mode="merge",
            sources=[world.unit, second],
            cadres=None,
            name="合并单位",
            region=world.other_county,
            username="merged",
        )


# --- yearly reset -------------------------------------------------------------------------


def test_yearly_reset_archives_every_pairing_of_the_county(world, login):
    link_world_village(world)
    household = assigned_household(world)
    client = login(world.county_office)
    confirm = client.get("/units/reset/")
    assert confirm.status_code == 200
    counts = {"assignments": 1, "household_links": 1, "village_links": 1, "claims": 1}
    assert [r[-1] for r in rows(confirm, "reset-counts")] == ["1", "1", "1", "1"]
    stale = client.post("/units/reset/", {**counts, "claims": 5})
    assert stale.status_code == 302 and Assignment.objects.get().ended_at is None
    response = client.post("/units/reset/", counts)
    assert response.status_code == 302
    assert Assignment.objects.get().end_kind == "yearly_reset"
    assert not HouseholdLink.objects.filter(ended_at__isnull=True).exists()
    assert not household.claims.active().exists()
    assert Cadre.objects.filter(pk=the_cadre(world).pk).exists()  # base records stay
    year = current_year()
    for kind in ("", "links", "claims"):
        archive = client.get(f"/units/archive/?year={year}&kind={kind}")
        assert household.number in " ".join(rows(archive, "archive")), kind
        assert "年度结对重置" in " ".join(rows(archive, "archive")) or kind == "", kind
    outside = login(world.other_county_office).get(f"/units/archive/?year={year}&kind=claims")
    assert rows(outside, "archive") == []


def test_yearly_reset_is_for_city_and_county_offices_of_their_own_slice(world, login):
    for name in ("township_office", "village_account", "unit_account", "cadre_account"):
        assert login(getattr(world, name)).get("/units/reset/").status_code == 403, name
    assert login(world.city_office).get("/units/reset/").status_code == 200
    with pytest.raises(Exception):  # noqa: B017,PT011 - PermissionDenied
        services.yearly_reset(Actor.system(world.other_county_office), world.county)


def test_unit_home_shows_villages_households_and_cadres(world, login):
    link_world_village(world)
    assigned_household(world)
    linked_household(world)
    home = login(world.unit_account).get("/")
    summary = lxml.html.fromstring(home.content.decode()).xpath('//*[@data-testid="unit-home"]')
    assert summary and world.village.name in summary[0].text_content()
    assert "1 户" in summary[0].xpath('.//*[@data-testid="unassigned"]')[0].text_content()


def test_unit_details_are_edited_by_the_unit_or_its_county_with_a_version(world, login):
    unit = world.unit
    data = {"version": unit.version, "name": unit.name, "unit_type": "institution"}
    assert login(world.other_county_office).get(f"/units/units/{unit.pk}/edit/").status_code == 404
    assert (
        login(world.township_office).post(f"/units/units/{unit.pk}/edit/", data).status_code == 403
    )
    client = login(world.unit_account)
    assert (
        client.post(f"/units/units/{unit.pk}/edit/", {**data, "address": "新址"}).status_code == 302
    )
    stale = login(world.county_office).post(f"/units/units/{unit.pk}/edit/", data)
    assert stale.status_code == 200 and "已被他人修改" in text(stale)
    unit.refresh_from_db()
    assert unit.address == "新址" and unit.unit_type == "institution" and unit.version == 2
    assert unit.history.count() == 2


def test_list_pages_take_the_same_queries_for_more_rows(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    link_world_village(world)
    # The queries of each page, whatever the number of rows.
    expected = {
        ("unit_account", "/units/links/"): 8,
        ("unit_account", "/units/cadres/"): 8,
        ("unit_account", "/units/surveys/"): 7,
        ("unit_account", "/units/villages/"): 10,
        ("cadre_account", "/"): 10,
        ("cadre_account", "/units/surveys/"): 7,
        ("township_office", "/units/links/"): 8,
        ("county_office", "/units/archive/"): 8,
        ("county_office", "/units/units/"): 8,
    }

    def counts():
        out = {}
        for name, url in expected:
            client = login(getattr(world, name))
            client.get(url)  # warm the session
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[(name, url)] = len(ctx.captured_queries)
        return out

    assigned_household(world)
    assert counts() == expected
    for _ in range(4):
        assigned_household(world)
        linked_household(world)
    Cadre.objects.create(unit=world.unit, name="李四")
    assert counts() == expected


def test_transfer_says_what_happened_to_the_cadres_households(world, login):
    other, _, _ = services.create_unit(
        Actor.system(world.county_office), name="于都县教育局", region=world.county, username="edu"
    )
    link_world_village(world)
    assigned_household(world)
    cadre = the_cadre(world)
    response = login(world.unit_account).post(
        "/units/cadres/transfer/",
        {"cadre": cadre.pk, "to_unit": other.pk, "kind": "secondment", "date": "2026-06-01"},
        follow=True,
    )
    shown = text(response)
    assert f"{cadre.name}已调至于都县教育局（借调）" in shown
    assert "原有帮扶分配结束 1 户" in shown and "继续由其帮扶" in shown
