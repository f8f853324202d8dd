"""防止返贫监测's leads through the pages: 监测参数 and 节假日, 上报监测线索 (基层干部排查), the
public 一码申报 and 申报查询, the 监测线索 inbox with its clocks, 入户核实, 不纳入, 关联农户."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from archives import tokens
from monitoring.choices import Channel, LeadState
from monitoring.models import Holiday, Lead, LeadSource, MonitoringRules
from poverty_system.core.models import AuditEntry

from .households_data import make_id, member, register
from .leads_data import at, days_ago, family_lead, local, self_reported

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


RULES = {
    "line": "7800",
    "visit_days": "2",
    "decision_days": "15",
    "publicity_days": "5",
    "elimination_months": "6",
    "measure_days": "30",
    "medical_threshold_lifted": "5000",
    "medical_threshold_other": "20000",
    "emergency_loss_threshold": "10000",
}


def save_rules(client, year=2026, version=0, **changes):
    data = {**RULES, **changes, "year": year, "version": version}
    return client.post("/monitoring/rules/save/", data)


# --- 监测参数 and 节假日 ------------------------------------------------------------------


def test_county_office_sets_the_rules_of_a_year_audited(world, login):
    client = login(world.county_office)
    page = client.get("/monitoring/rules/?year=2026")
    assert page.status_code == 200 and 'data-testid="rules-form"' in page.content.decode()
    assert 'data-testid="defaults"' in page.content.decode()
    response = save_rules(client, line="7800")
    assert response.status_code == 302
    rules = MonitoringRules.objects.get(county=world.county, year=2026)
    assert str(rules.line) == "7800.00" and rules.visit_days == 2 and rules.county_code == "360731"
    entry = AuditEntry.objects.get(action="monitoring_rules")
    assert entry.region_code == "360731" and entry.detail["changed"]["line"][1] == "7800"
    # A bad value: the Chinese message next to its field, nothing saved.
    response = save_rules(client, version=rules.version, visit_days="0")
    assert response.status_code == 400
    assert "入户核实时限须在 1 到 30 之间" in response.content.decode()
    assert MonitoringRules.objects.get(pk=rules.pk).visit_days == 2


def test_a_stale_rules_edit_is_refused_and_the_newer_rules_kept(world, login):
    client = login(world.county_office)
    assert save_rules(client).status_code == 302
    opened = MonitoringRules.objects.get().version
    assert save_rules(client, version=opened, line="8000").status_code == 302
    stale = save_rules(client, version=opened, line="6000")  # a form opened before that save
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert str(MonitoringRules.objects.get().line) == "8000.00"
    # A second "new" form for a year saved meanwhile is stale too.
    assert save_rules(client, version=0, line="6500").status_code == 409


def test_township_and_village_read_the_rules_and_may_not_edit(world, login):
    save_rules(login(world.county_office), line="7900")
    for account in (world.township_office, world.village_account):
        client = login(account)
        page = client.get("/monitoring/rules/?year=2026").content.decode()
        assert "7900" in page and 'data-testid="rules-form"' not in page
        assert save_rules(client, version=2, line="1000").status_code == 403
        assert (
            client.post(
                "/monitoring/rules/holidays/add/", {"date": "2026-10-01", "name": "国庆节"}
            ).status_code
            == 403
        )
    assert str(MonitoringRules.objects.get().line) == "7900.00"
    # Another county's office edits its own county only.
    other = login(world.other_county_office)
    assert "7900" not in other.get("/monitoring/rules/?year=2026").content.decode()
    assert save_rules(other, line="7000").status_code == 302
    assert MonitoringRules.objects.get(county=world.other_county).line != 7900


def test_holidays_of_the_county_added_and_removed(world, login):
    client = login(world.county_office)
    response = client.post(
        "/monitoring/rules/holidays/add/", {"date": "2026-10-01", "name": "国庆节", "year": 2026}
    )
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert holiday.county_code == "360731" and not holiday.workday
    # A weekday worked is no 调休; a weekend off needs no entry; a day twice is refused.
    for data, message in (
        ({"date": "2026-09-28", "name": "调休", "workday": "on"}, "调休上班日应为周六或周日"),
        ({"date": "2026-09-27", "name": "周日"}, "无需登记"),
        ({"date": "2026-10-01", "name": "国庆节"}, "已登记"),
        ({"date": "2026-13-01", "name": "国庆节"}, "日期格式不正确"),
    ):
        response = client.post("/monitoring/rules/holidays/add/", {**data, "year": 2026})
        assert response.status_code == 400 and message in response.content.decode()
    assert Holiday.objects.count() == 1
    # The township reads it; it, and another county, may not remove it.
    assert (
        "国庆节"
        in login(world.township_office).get("/monitoring/rules/?year=2026").content.decode()
    )
    url = f"/monitoring/rules/holidays/{holiday.pk}/remove/"
    assert login(world.township_office).post(url).status_code == 403
    assert login(world.other_county_office).post(url).status_code == 404
    assert login(world.county_office).post(url).status_code == 302
    assert not Holiday.objects.exists()
    assert AuditEntry.objects.filter(action="monitoring_rules").count() == 2


def test_the_clock_counts_working_days_through_the_pages(world, login):
    """Rules and a holiday set on the pages; a lead reported on a Friday must be visited in 2
    working days: Monday is a holiday, so Wednesday; the decision 15 days after the lead."""
    county = login(world.county_office)
    save_rules(county, visit_days="2", decision_days="15")
    county.post("/monitoring/rules/holidays/add/", {"date": "2026-09-28", "name": "县庆"})
    client = login(world.township_office)
    friday = datetime.date(2026, 9, 25)
    with at(local(friday)):
        response = client.post(
            "/monitoring/leads/report/family/",
            {
                "village": world.village.pk,
                "name": "赵六",
                "id_number": make_id(),
                "phone": "",
                "hardship": "突发大病",
            },
        )
    assert response.status_code == 302, response.content.decode()
    lead = Lead.objects.get()
    assert lead.visit_due == datetime.date(2026, 9, 30)
    assert lead.decide_due == datetime.date(2026, 10, 10)
    client = login(world.township_office)  # the session saved in the past has expired
    response = client.get(f"/monitoring/leads/{lead.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-09-30" in page and "2026-10-10" in page
    assert page.count('data-testid="visit-overdue"') == 1  # long past today


# --- 基层干部排查 ---------------------------------------------------------------------------------


def test_village_reports_a_lead_from_the_household_page(world, login):
    household = register(world.village_account, world.phone, [member("李四")], parts_done=1)
    client = login(world.village_account)
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert f"/monitoring/households/{household.pk}/report/" in page and "上报监测线索" in page
    assert client.get(f"/monitoring/households/{household.pk}/report/").status_code == 200
    response = client.post(
        f"/monitoring/households/{household.pk}/report/save/",
        {"hardship": "户主住院，花费较大", "risks": ["illness"]},
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.household == household and lead.risks == ["illness"]
    assert lead.sources.get().channel == Channel.CADRE
    assert lead.sources.get().reporter == world.village_account
    # An empty hardship: the message next to the field, nothing filed.
    response = client.post(f"/monitoring/households/{household.pk}/report/save/", {"hardship": ""})
    assert response.status_code == 400 and "请填写困难情况" in response.content.decode()
    assert LeadSource.objects.count() == 1


def test_reporting_from_the_household_page_both_sides(world, login):
    household = register(world.village_account, world.phone, [member("李四")], parts_done=1)
    url = f"/monitoring/households/{household.pk}/report/save/"
    data = {"hardship": "户主住院"}
    # Out of the slice: 404; in the slice without REPORT_LEADS: 403 (the household page
    # shows them no button).
    assert login(world.other_village_account).post(url, data).status_code == 404
    assert login(world.other_township_office).post(url, data).status_code == 404
    city = login(world.city_office)
    assert "上报监测线索" not in city.get(f"/households/{household.pk}/").content.decode()
    assert city.post(url, data).status_code == 403
    assert login(world.county_office).post(url, data).status_code == 403
    assert not Lead.objects.exists()
    assert login(world.township_office).post(url, data).status_code == 302
    assert Lead.objects.count() == 1


def test_a_family_not_registered_is_reported_with_its_id_number_checked(world, login):
    client = login(world.township_office)
    page = client.get("/monitoring/leads/report/").content.decode()
    assert 'data-testid="family-form"' in page
    villages = re.findall(r'<option value="(\d+)"', page)
    assert str(world.village.pk) in villages and str(world.other_village.pk) not in villages
    data = {
        "village": world.village.pk,
        "name": "赵六",
        "id_number": "360731198001010000",
        "phone": "13800001111",
        "hardship": "突发大病",
    }
    response = client.post("/monitoring/leads/report/family/", data)
    assert response.status_code == 400 and "身份证号码校验位不正确" in response.content.decode()
    response = client.post(
        "/monitoring/leads/report/family/", {**data, "id_number": make_id(), "phone": "123"}
    )
    assert response.status_code == 400 and "请填写 11 位手机号码" in response.content.decode()
    response = client.post(
        "/monitoring/leads/report/family/",
        {**data, "id_number": make_id(), "village": world.other_village.pk},
    )
    assert response.status_code == 400 and "请选择您辖区内的村" in response.content.decode()
    assert not Lead.objects.exists()
    number = make_id()
    assert (
        client.post("/monitoring/leads/report/family/", {**data, "id_number": number}).status_code
        == 302
    )
    lead = Lead.objects.get()
    assert lead.household is None and lead.id_number == number and lead.village == world.village


def test_report_search_finds_households_of_the_slice_never_by_id_in_the_url(world, login):
    register(world.village_account, world.phone, [member("孙八")], parts_done=1)
    client = login(world.township_office)
    page = client.get("/monitoring/leads/report/", {"q": "孙八"}).content.decode()
    assert "/report/" in page and "孙八" in page
    page = client.get("/monitoring/leads/report/", {"q": make_id()}).content.decode()
    assert "请输入户主姓名或户编号" in page
    other = login(world.other_township_office).get("/monitoring/leads/report/", {"q": "孙八"})
    assert other.context["households"] == [] and "未找到农户" in other.content.decode()


def test_cadre_reports_its_own_households_families_and_reads_what_it_reported(world, login):
    from .units_data import assigned_household, link_world_village

    link_world_village(world)
    household = assigned_household(world)
    client = login(world.cadre_account)
    assert "上报监测线索" in client.get(f"/households/{household.pk}/").content.decode()
    response = client.post(
        f"/monitoring/households/{household.pk}/report/save/", {"hardship": "务工受伤"}
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert client.get(f"/monitoring/leads/{lead.pk}/").status_code == 200
    assert lead.number in client.get("/monitoring/leads/").content.decode()
    # The family form offers only its households' villages; it may not handle the lead.
    page = client.get("/monitoring/leads/report/").content.decode()
    assert set(re.findall(r'<option value="(\d+)"', page)) == {str(household.village_id)}
    assert client.post(f"/monitoring/leads/{lead.pk}/visit/", {"note": "看过"}).status_code == 403


# --- merging --------------------------------------------------------------------------------


def test_cadre_report_and_self_report_of_the_same_id_make_one_lead_with_two_sources(world, login):
    number = make_id()
    family_lead(world, id_number=number)
    receipt = self_reported(world.village, id_number=number)
    lead = Lead.objects.get()
    assert list(lead.sources.values_list("channel", flat=True)) == [
        Channel.CADRE,
        Channel.SELF_REPORT,
    ]
    assert receipt != lead.number  # the merged report has its own 受理编号
    page = login(world.township_office).get("/monitoring/leads/").content.decode()
    row = re.search(rf'<tr data-lead="{lead.pk}">.*?</tr>', page, re.S).group(0)
    assert "农户自主申报" in row and "基层干部排查" in row
    assert '<td data-label="来源数">2</td>' in row
    assert number not in page and number[:6] + "********" + number[-4:] in page
    detail = login(world.township_office).get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert "线索来源（2）" in detail and "合并线索" in detail


# --- 一码申报 and 申报查询 ----------------------------------------------------------------

NAME, PHONE = "钱七七", "13912345678"


def public_post(client, village, id_number, **extra):
    return client.post(
        "/monitoring/report/save/",
        {
            "village": village.pk,
            "name": NAME,
            "phone": PHONE,
            "id_number": id_number,
            "hardship": "家里房子被洪水冲坏了",
            **extra,
        },
    )


def assert_nothing_private(page: str, *values: str):
    for value in values:
        assert value not in page, value


def test_the_public_form_chooses_the_village_level_by_level_and_gives_a_receipt(world, client):
    page = client.get("/monitoring/report/").content.decode()
    assert f'<option value="{world.province.pk}">江西省</option>' in page
    assert "data-autosubmit" in page and "<script>" not in page and "onchange" not in page
    page = client.get("/monitoring/report/", {"at": world.township.pk}).content.decode()
    assert world.village.name in page and 'data-testid="report-form"' not in page
    page = client.get("/monitoring/report/", {"at": world.village.pk}).content.decode()
    assert 'data-testid="report-form"' in page
    number = make_id()
    response = public_post(client, world.village, number)
    assert response.status_code == 302 and response.url == "/monitoring/report/received/"
    assert "JC" not in response.url
    page = client.get(response.url).content.decode()
    receipt = re.search(r'data-testid="receipt">([^<]+)<', page).group(1)
    assert_nothing_private(page, NAME, PHONE, number, "洪水")
    lead = Lead.objects.get()
    assert lead.number == receipt and lead.village == world.village and lead.phone == PHONE
    assert lead.sources.get().channel == Channel.SELF_REPORT and lead.sources.get().reporter is None
    # Shown once: a reload says nothing of it.
    assert receipt not in client.get(response.url).content.decode()


def test_a_bad_public_report_says_why_without_echoing_the_number(world, client):
    bad = "360731198001010000"
    response = public_post(client, world.village, bad)
    page = response.content.decode()
    assert response.status_code == 400 and "身份证号码校验位不正确" in page
    assert_nothing_private(page, bad, PHONE)
    response = public_post(client, world.township, make_id())
    assert response.status_code == 400 and "请选择所在的村" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_public_form_is_csrf_protected(world):
    client = Client(enforce_csrf_checks=True)
    assert public_post(client, world.village, make_id()).status_code == 403
    page = client.get("/monitoring/report/", {"at": world.village.pk}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = public_post(client, world.village, make_id(), csrfmiddlewaretoken=token)
    assert response.status_code == 302 and Lead.objects.count() == 1


def test_the_public_form_is_rate_limited_by_address(world, client, settings):
    settings.MONITORING_REPORTS_PER_HOUR = 2
    for _ in range(2):
        assert public_post(client, world.village, make_id()).status_code == 302
    response = public_post(client, world.village, make_id())
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert Lead.objects.count() == 2
    # Another address has its own budget.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert public_post(other, world.village, make_id()).status_code == 302


def test_the_qr_page_links_to_a_report_of_its_household(world, client):
    household = register(world.village_account, world.phone, [member("周九")], parts_done=1)
    tokens.ensure_tokens([household.pk])
    token = household.archive_tokens.active().get().token
    page = client.get(f"/q/{token}/").content.decode()
    assert f"/monitoring/q/{token}/report/" in page and "申报困难" in page
    form = client.get(f"/monitoring/q/{token}/report/").content.decode()
    assert household.number in form
    head_id = household.members.get().id_number
    assert_nothing_private(form, head_id, household.phone)
    response = client.post(
        f"/monitoring/q/{token}/report/save/",
        {"name": "周九", "phone": PHONE, "id_number": "", "hardship": "孩子辍学打工"},
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.household == household and lead.village_code == household.village_code
    assert client.get("/monitoring/q/not-a-token/report/").status_code == 404


def test_the_receipt_lookup_tells_the_state_only(world, login):
    number = make_id()
    receipt = self_reported(world.village, name=NAME, phone=PHONE, id_number=number)
    lead = Lead.objects.get()
    client = Client()
    page = client.post("/monitoring/lookup/result/", {"number": receipt}).content.decode()
    assert "待核实" in page
    assert_nothing_private(page, NAME, PHONE, number, "洪水", world.village.name)
    township = login(world.township_office)
    township.post(
        f"/monitoring/leads/{lead.pk}/visit/",
        {"note": "已入户，房屋受损属实", "version": lead.version},
    )
    lead.refresh_from_db()
    assert (
        "已入户核实"
        in client.post("/monitoring/lookup/result/", {"number": receipt}).content.decode()
    )
    township.post(
        f"/monitoring/leads/{lead.pk}/reject/",
        {"reason": "已由保险理赔，家庭收入高于监测范围", "version": lead.version},
    )
    page = client.post("/monitoring/lookup/result/", {"number": receipt}).content.decode()
    assert "不纳入" in page and "已由保险理赔，家庭收入高于监测范围" in page
    assert_nothing_private(page, NAME, PHONE, number, "房屋受损属实")
    # An unknown number, and the lead's own number of a cadre lead, tell nothing.
    other = family_lead(world)
    for unknown in ("JC00000000000000", other.number):
        response = client.post("/monitoring/lookup/result/", {"number": unknown})
        assert response.status_code == 404 and "未找到" in response.content.decode()
    assert client.get("/monitoring/lookup/").status_code == 200


# --- the inbox and the lead page --------------------------------------------------------------


def test_inbox_flags_overdue_leads_the_same_day_and_filters(world, login):
    with at(days_ago(20)):
        old = family_lead(world, name="老线索")
    fresh = family_lead(world, name="新线索", village=world.village2)
    self_reported(world.other_village, name="外乡")
    client = login(world.township_office)
    page = client.get("/monitoring/leads/").content.decode()
    assert "老线索" in page and "新线索" in page and "外乡" not in page
    assert page.count('data-testid="visit-overdue"') == 1
    assert page.count('data-testid="decide-overdue"') == 1
    for params, names in (
        ({"overdue": "1"}, {"老线索"}),
        ({"overdue": "visit"}, {"老线索"}),
        ({"overdue": "decide"}, {"老线索"}),
        ({"age": "d3"}, {"新线索"}),
        ({"age": "over"}, {"老线索"}),
        ({"channel": "cadre"}, {"老线索", "新线索"}),
        ({"channel": "self"}, set()),
        ({"state": "open"}, {"老线索", "新线索"}),
        ({"state": "rejected"}, set()),
        ({"region": world.village2.pk}, {"新线索"}),
    ):
        rows = client.get("/monitoring/leads/", params).context["rows"]
        assert {r.name for r in rows} == names, params
    # The region drill-down: the township's villages as links.
    assert f"?region={world.village2.pk}" in page
    assert client.get("/monitoring/leads/", {"region": world.other_village.pk}).status_code == 404
    # The home page counts link to the lists that hold exactly them.
    home = login(world.county_office).get("/").content.decode()
    for label, overdue in (("逾期未核实线索", "visit"), ("逾期未办结线索", "decide")):
        match = re.search(
            rf'href="([^"]+)" data-figure="{label}"><span>[^<]*</span><strong>(\d+)</strong>', home
        )
        assert match, label
        url, value = match.group(1).replace("&amp;", "&"), int(match.group(2))
        assert url == f"/monitoring/leads/?overdue={overdue}" and value == 1
        listed = login(world.county_office).get(url).context["page"].paginator.count
        assert listed == value
    township_home = login(world.township_office).get("/").content.decode()
    assert 'data-figure="逾期未核实线索"><span>' in township_home
    other = login(world.other_township_office).get("/").context["where"]["figures"]
    assert {f.label: f.value for f in other}["逾期未办结线索"] == 0
    # Visited: no longer overdue to visit, still to decide.
    login(world.township_office).post(
        f"/monitoring/leads/{old.pk}/visit/", {"note": "已入户", "version": old.version}
    )
    assert fresh.pk
    page = login(world.township_office).get("/monitoring/leads/").content.decode()
    assert page.count('data-testid="visit-overdue"') == 0
    assert page.count('data-testid="decide-overdue"') == 1


def test_inbox_query_count_does_not_grow_with_the_leads(world, login, django_assert_num_queries):
    family_lead(world)
    client = login(world.township_office)
    client.get("/monitoring/leads/")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/monitoring/leads/").status_code == 200
        return len(queries)

    few = count()
    for i in range(25):
        lead = family_lead(world, name=f"户{i}")
        self_reported(world.village, id_number=lead.id_number)
    assert count() == few
    with django_assert_num_queries(few):
        client.get("/monitoring/leads/")
    assert few == 10


def test_visit_and_reject_both_sides_and_stale(world, login):
    lead = family_lead(world)
    url = f"/monitoring/leads/{lead.pk}/"
    for account, status in (
        (world.other_township_office, 404),
        (world.other_village_account, 404),
        (world.other_county_office, 404),
        (world.city_office, 403),
    ):
        client = login(account)
        assert client.post(url + "visit/", {"note": "看过", "version": 1}).status_code == status
        assert client.post(url + "reject/", {"reason": "不符", "version": 1}).status_code == status
    assert login(world.city_office).get(url).status_code == 200
    assert login(world.other_township_office).get(url).status_code == 404
    lead.refresh_from_db()
    assert lead.state == LeadState.OPEN
    village = login(world.village_account)
    page = village.get(url).content.decode()
    assert 'data-testid="visit-form"' in page and 'data-testid="reject-form"' in page
    assert (
        village.post(
            url + "visit/", {"note": "已入户，情况属实", "version": lead.version}
        ).status_code
        == 302
    )
    # A form opened before the visit: refused, the visit kept.
    response = village.post(url + "reject/", {"reason": "不符", "version": lead.version})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == LeadState.VISITED and lead.visit_note == "已入户，情况属实"
    response = village.post(url + "reject/", {"reason": "", "version": lead.version})
    assert response.status_code == 400 and "请填写不纳入理由" in response.content.decode()
    assert (
        village.post(
            url + "reject/", {"reason": "收入高于监测范围", "version": lead.version}
        ).status_code
        == 302
    )
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED and lead.decided_by == world.village_account
    history = village.get(url).content.decode()
    assert (
        "入户核实" in history and "不纳入" in history and 'data-testid="visit-form"' not in history
    )
    assert (
        village.post(url + "visit/", {"note": "再看", "version": lead.version}).status_code == 400
    )


def test_a_family_not_registered_is_linked_to_the_household_registered_for_it(world, login):
    number = make_id()
    lead = family_lead(world, id_number=number)
    stranger = register(world.village_account, world.phone, [member("别人")], parts_done=1)
    household = register(
        world.village_account, world.phone, [member("赵六", id_number=number)], parts_done=1
    )
    # Registering merges nothing by itself: the lead still waits for its household.
    lead.refresh_from_db()
    assert lead.household is None
    url = f"/monitoring/leads/{lead.pk}/link/"
    assert (
        login(world.other_village_account)
        .post(url, {"household": household.pk, "version": lead.version})
        .status_code
        == 404
    )
    assert (
        login(world.city_office)
        .post(url, {"household": household.pk, "version": lead.version})
        .status_code
        == 403
    )
    client = login(world.village_account)
    page = client.get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert "（身份证号码相符）" in page and 'data-testid="link-form"' in page
    response = client.post(url, {"household": stranger.pk, "version": lead.version})
    assert response.status_code == 400 and "没有线索登记的身份证号码" in response.content.decode()
    response = client.post(url, {"household": household.pk, "version": lead.version})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.household == household
    page = client.get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert 'data-testid="link-form"' not in page and "关联农户" in page


def test_the_village_starts_identification_from_the_lead_page(world, login):
    from monitoring.models import Monitored

    from .monitoring_data import consent, new_family

    household = new_family(world, name="吴十")
    lead = family_lead(world, name="吴十", id_number=household.members.get().id_number)
    assert lead.household == household  # the ID number found the registered family
    url = f"/monitoring/leads/{lead.pk}/identify/"
    # The township handles leads but the visit is the village's; another village: 404.
    assert login(world.township_office).get(url).status_code == 403
    page = login(world.township_office).get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert url not in page
    assert login(world.other_village_account).get(url).status_code == 404
    client = login(world.village_account)
    assert url in client.get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert client.get(url).status_code == 200
    data = {
        "category": "sudden",
        "risks": ["illness"],
        "date": str(timezone.localdate()),
        "opinion": "入户核实，情况属实",
    }
    response = client.post(url + "save/", data)
    assert response.status_code == 400 and "承诺授权书" in response.content.decode()
    assert not Monitored.objects.exists()
    response = client.post(url + "save/", {**data, "attachments": consent()})
    assert response.status_code == 302, response.content.decode()
    monitored = Monitored.objects.get()
    assert response.url == f"/identification/cases/{monitored.case_id}/"
    lead.refresh_from_db()
    assert monitored.lead == lead and lead.state == LeadState.VISITED
    page = client.get(f"/monitoring/leads/{lead.pk}/").content.decode()
    assert response.url in page and url not in page
