"""三员分立 and 安全审计 › 审计日志 (issue 14, item 6): the auditor reads the trail of its slice
with filters and exports it, and can do nothing else; the system administrator can neither
read the trail nor manage accounts; the security administrator manages accounts but cannot
read the trail, nor create an officer, nor manage its own account."""

import datetime as dt
import io
import json

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from poverty_system.core.roles import Role
from poverty_system.core.rules import Public
from villages.accounts import AccountError, create_account, reset_password, set_active
from villages.models import User

from .test_access import ARG, FILLERS

pytestmark = pytest.mark.django_db

LOG, EXPORT = "/audit/", "/audit/export/"
# Every account of `world` but the auditors: refused on both audit pages.
NOT_AUDITORS = [
    "admin",
    "security",
    "city_office",
    "county_office",
    "township_office",
    "village_account",
    "unit_account",
    "cadre_account",
    "other_county_office",
]


def entry_ids(response) -> list[int]:
    page = lxml.html.fromstring(response.content.decode())
    return [
        int(v) for v in page.xpath('//table[@data-testid="audit-entries"]/tbody/tr/@data-entry')
    ]


def entries(world):
    """One entry in 于都县's village, one in 兴国县, one of no region (newest last)."""
    actor = Actor(world.county_office, ip="10.0.0.1")
    return {
        "yudu": audit.record(actor, audit.EXPORT, obj=world.village, detail={"count": 3}),
        "xingguo": audit.record(
            Actor(world.other_county_office), audit.IMPORT, region_code=world.other_county.code
        ),
        "none": audit.record(
            Actor(world.admin), audit.LOGIN_FAILED, username="nobody", outcome=audit.FAILED
        ),
    }


def insert_at(at: dt.datetime, **fields) -> int:
    """An entry written at `at` (the model stamps the present; the trail cannot be edited
    afterwards, so an old entry is inserted as it would have been)."""
    row = {
        "username": "",
        "role": "",
        "phone": "",
        "ip": "",
        "request_id": "",
        "action": audit.LOGIN,
        "object_type": "",
        "object_id": "",
        "region_code": "",
        "outcome": "ok",
        **fields,
    }
    columns = ["at", *row, "detail"]
    detail = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(["%s"] * (len(columns) - 1) + [detail])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO poverty_system_auditentry ({', '.join(columns)}) VALUES ({values})",  # noqa: S608
            [at, *row.values(), "{}"],
        )
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()


# --- who reads the trail ------------------------------------------------------------------


def test_the_province_auditor_reads_the_whole_trail(world, login):
    made = entries(world)
    shown = entry_ids(login(world.auditor).get(LOG))
    assert {made["yudu"].pk, made["xingguo"].pk, made["none"].pk} <= set(shown)
    assert shown == sorted(shown, reverse=True)  # newest first


def test_a_county_auditor_reads_only_its_county(world, login):
    made = entries(world)
    shown = set(entry_ids(login(world.county_auditor).get(LOG)))
    assert made["yudu"].pk in shown
    assert made["xingguo"].pk not in shown and made["none"].pk not in shown
    expected = set(
        AuditEntry.objects.filter(region_code__startswith="360731").values_list("pk", flat=True)
    )
    assert shown == expected


@pytest.mark.parametrize("name", NOT_AUDITORS)
def test_every_other_account_is_refused_the_trail(world, login, name):
    account = getattr(world, name)
    client = login(account)
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT, {}).status_code == 403
    assert not access.filter_audit_entries(AuditEntry.objects.all(), account).exists()
    with pytest.raises(PermissionDenied):
        access.check_reads_audit(account)


def test_no_menu_shows_the_trail_but_the_auditor_s(world, login):
    assert "安全审计" in login(world.auditor).get("/").content.decode()
    for name in ("admin", "security", "county_office"):
        assert "安全审计" not in login(getattr(world, name)).get("/").content.decode()


def all_routes(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


# What an auditor may open: its two pages, the home page, 修改密码 and 退出.
AUDITOR_PAGES = {"", "password/", "logout/", "audit/", "audit/export/"}


def test_the_auditor_can_do_nothing_else(world, login):
    """Every URL of the project (ids filled with the auditor's own region), GET and POST:
    403, but for its own pages and the public ones."""
    client = login(world.auditor)
    wrong = []
    for route, view in all_routes():
        if route in AUDITOR_PAGES or isinstance(getattr(view, "access_rule", None), Public):
            continue

        def value(match):
            converter = match["converter"] or "str"
            return str(world.province.pk) if converter == "int" else FILLERS[converter]

        url = "/" + ARG.sub(value, route)
        for method in (client.get, client.post):
            status = method(url).status_code
            if status != 403:
                wrong.append(f"{method.__name__.upper()} {url}: {status}")
        client = login(world.auditor) if route == "logout/" else client
    assert not wrong, "\n".join(wrong)


# --- filters ------------------------------------------------------------------------------


def test_filters_by_time_account_action_and_object(world, login):
    now = timezone.now()
    old = insert_at(now - dt.timedelta(days=40), username="county", region_code="360731")
    made = entries(world)
    client = login(world.auditor)
    day = timezone.localdate()

    recent = entry_ids(client.get(LOG, {"start": (day - dt.timedelta(days=1)).isoformat()}))
    assert old not in recent and made["yudu"].pk in recent
    past = day - dt.timedelta(days=40)
    window = {"start": (past - dt.timedelta(days=1)).isoformat(), "end": past.isoformat()}
    assert entry_ids(client.get(LOG, window)) == [old]

    by_account = set(entry_ids(client.get(LOG, {"username": "county"})))
    assert by_account == set(
        AuditEntry.objects.filter(username="county").values_list("pk", flat=True)
    )
    assert old in by_account and made["xingguo"].pk not in by_account

    assert entry_ids(client.get(LOG, {"action": audit.LOGIN_FAILED})) == [made["none"].pk]
    by_object = {"object_type": "villages.region", "object_id": str(world.village.pk)}
    assert entry_ids(client.get(LOG, by_object)) == [made["yudu"].pk]
    combined = {"username": "county", "action": audit.EXPORT, "object_id": str(world.village.pk)}
    assert entry_ids(client.get(LOG, combined)) == [made["yudu"].pk]


def test_bad_filters_are_told_and_show_nothing(world, login):
    entries(world)
    client = login(world.auditor)
    response = client.get(LOG, {"start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 200
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert entry_ids(response) == []
    response = client.get(LOG, {"start": "昨天", "action": "drop_table"})
    text = response.content.decode()
    assert "请按“年-月-日”填写日期" in text and "请从列表中选择" in text
    assert entry_ids(response) == []


# The session and its account, the auditor's slice, the count, the page, the region names;
# the session saved again (the idle timeout: a savepoint, the update, its release).
LOG_QUERIES = 9


def test_the_list_costs_the_same_for_3_and_120_entries(world, login, django_assert_num_queries):
    client = login(world.auditor)
    client.get(LOG)  # the session's first request after login writes it
    with django_assert_num_queries(LOG_QUERIES):
        assert client.get(LOG).status_code == 200
    for _ in range(120):
        audit.record(Actor(world.county_office), audit.EXPORT, obj=world.township)
    with django_assert_num_queries(LOG_QUERIES):
        response = client.get(LOG)
    assert len(entry_ids(response)) == 50
    with django_assert_num_queries(LOG_QUERIES):
        response = client.get(LOG, {"page": 3, "action": audit.EXPORT})
    assert len(entry_ids(response)) == 20  # 120 exports: 50, 50, 20


# --- export -------------------------------------------------------------------------------


def read_back(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_is_the_filtered_trail_and_is_itself_audited(world, login):
    made = entries(world)
    insert_at(timezone.now(), username="=cmd|' /C calc'!A0", region_code="360731100201")
    client = login(world.county_auditor)
    page = client.get(EXPORT, {"username": "county"})
    assert page.status_code == 200
    expected = AuditEntry.objects.filter(username="county", region_code__startswith="360731")
    assert f"共 <strong>{expected.count()}</strong> 条" in page.content.decode()

    response = client.post(EXPORT, {"username": "county"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_back(response.content)
    assert rows[0][:6] == ["时间", "账号", "角色", "验证手机", "IP 地址", "操作"]
    assert len(rows) - 1 == expected.count()
    assert {r[1] for r in rows[1:]} == {"county"}
    first = next(r for r in rows[1:] if r[7] == str(world.village.pk))
    assert first[2:9] == [
        "县扶贫办",
        None,
        "10.0.0.1",
        "导出",
        "行政区划",
        str(world.village.pk),
        "360731100201",
    ]
    assert json.loads(first[12]) == {"count": 3}
    assert made["xingguo"].pk not in [r[7] for r in rows]

    logged = AuditEntry.objects.filter(action=audit.EXPORT, username="county_auditor").get()
    assert logged.detail == {
        "kind": "audit_trail",
        "count": len(rows) - 1,
        "filters": {"username": "county"},
    }
    assert logged.region_code == "360731"  # in the auditor's own trail

    # A text a spreadsheet would run stays text (the core's writer).
    everything = read_back(client.post(EXPORT, {}).content)
    assert "=cmd|' /C calc'!A0" in [r[1] for r in everything]


def test_an_export_past_the_limit_is_refused_and_not_logged(world, login, settings):
    entries(world)
    settings.AUDIT_EXPORT_MAX_ROWS = 2
    client = login(world.auditor)
    response = client.post(EXPORT, {})
    assert response.status_code == 200
    assert "筛选结果超过 2 条" in response.content.decode()
    assert not AuditEntry.objects.filter(username="auditor", action=audit.EXPORT).exists()


# --- 三员分立: accounts ----------------------------------------------------------------------


def test_the_system_administrator_manages_no_account(world, login):
    client = login(world.admin)
    for url in ("/accounts/", "/accounts/new/", f"/accounts/{world.county_office.pk}/", "/phones/"):
        assert client.get(url).status_code == 403, url
    with pytest.raises(PermissionDenied):
        create_account(
            Actor(world.admin),
            username="x1",
            role=Role.COUNTY,
            regions=[world.other_county],
            full_name="x",
        )
    assert access.creatable_roles(world.admin) == ()


def test_the_security_administrator_creates_offices_and_auditors_but_no_officer(world, login):
    client = login(world.security)
    form = client.get("/accounts/new/").content.decode()
    page = lxml.html.fromstring(form)
    offered = page.xpath('//select[@name="role"]/option/@value')
    assert set(offered) - {""} == {"city", "county", "auditor"}
    for role in ("admin", "security"):
        response = client.post(
            "/accounts/new/",
            {
                "role": role,
                "username": f"new_{role}",
                "full_name": "x",
                "region": world.province.pk,
            },
        )
        assert response.status_code == 200 and not User.objects.filter(username=f"new_{role}")
    for role in (Role.ADMIN, Role.SECURITY):
        with pytest.raises(PermissionDenied):
            create_account(
                Actor(world.security),
                username="x2",
                role=role,
                regions=[world.province],
                full_name="x",
            )
    response = client.post(
        "/accounts/new/",
        {
            "role": "auditor",
            "username": "city_auditor",
            "full_name": "市审计员",
            "region": world.city.pk,
        },
    )
    assert response.status_code == 200
    created = User.objects.get(username="city_auditor")
    assert created.role == Role.AUDITOR
    assert (
        access.filter_audit_entries(AuditEntry.objects.all(), created)
        .filter(region_code__startswith="3607")
        .exists()
    )
    with pytest.raises(AccountError, match="审计员只能设在省、市、县"):
        create_account(
            Actor(world.security),
            username="x3",
            role=Role.AUDITOR,
            regions=[world.township],
            full_name="x",
        )
    # The county office still creates its townships and villages, never an auditor.
    with pytest.raises(PermissionDenied):
        create_account(
            Actor(world.county_office),
            username="x4",
            role=Role.AUDITOR,
            regions=[world.county],
            full_name="x",
        )


def test_no_officer_manages_its_own_account(world, login):
    client = login(world.security)
    own = world.security.pk
    for url in (
        f"/accounts/{own}/",
        f"/accounts/{own}/reset-password/",
        f"/accounts/{own}/active/",
    ):
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, {"active": "0"}).status_code == 404
    from django.http import Http404

    with pytest.raises(Http404):
        reset_password(Actor(world.security), world.security)
    with pytest.raises(Http404):
        set_active(Actor(world.security), world.security, False)
    # ... nor another account of its own separation role's peers.
    assert client.get(f"/accounts/{world.admin.pk}/").status_code == 404
    # It does manage an auditor's account: locks it, and the lock is in the trail.
    assert (
        client.post(f"/accounts/{world.county_auditor.pk}/active/", {"active": "0"}).status_code
        == 302
    )
    assert not User.objects.get(pk=world.county_auditor.pk).is_active
    entry = AuditEntry.objects.get(
        action=audit.ACCOUNT_ACTIVE, object_id=str(world.county_auditor.pk)
    )
    assert entry.username == "security" and entry.region_code == "360731"


def test_the_security_administrator_cannot_read_the_trail(world, login):
    entries(world)
    client = login(world.security)
    assert client.get(LOG).status_code == 403
    assert not access.filter_audit_entries(AuditEntry.objects.all(), world.security).exists()


# --- home pages ---------------------------------------------------------------------------


def test_the_auditor_s_home_counts_today_s_trail(world, login):
    entries(world)
    client = login(world.county_auditor)
    page = lxml.html.fromstring(client.get("/").content.decode())
    figures = {
        a.get("data-figure"): a.xpath("string(strong)") for a in page.xpath('//a[@class="figure"]')
    }
    today = AuditEntry.objects.filter(region_code__startswith="360731")
    assert figures == {
        "今日审计日志": str(today.count()),
        "今日登录失败": "0",
        "今日导出": str(today.filter(action=audit.EXPORT).count()),
    }
    # Its region is named, not linked to a page that would refuse it.
    assert page.xpath('string(//dd[@data-testid="slice"])') == "于都县"
    assert not page.xpath('//dd[@data-testid="slice"]/a')


def test_the_security_administrator_s_home_leads_to_the_accounts(world, login):
    text = login(world.security).get("/").content.decode()
    assert "系统用户管理" in text and "村级账号手机号管理" in text
    assert "/regions/" not in text and "审计日志" not in text


# --- the officers are set up from the command line ----------------------------------------


def test_officers_are_created_only_from_the_command_line(world):
    from django.core.management import CommandError, call_command

    from villages.accounts import create_officer

    out = io.StringIO()
    call_command("create_officer", "security", "sec2", stdout=out)
    created = User.objects.get(username="sec2")
    assert created.role == Role.SECURITY and created.must_change_password
    password = out.getvalue().split("初始密码：")[1].split()[0]
    assert created.check_password(password)
    entry = AuditEntry.objects.get(action=audit.GRANT, object_id=str(created.pk))
    assert entry.region_code == "" and entry.username == "system"
    assert entry.detail == {"account": "sec2", "role": "security", "new_account": True}
    # The province's auditor reads it; a county's does not.
    assert access.filter_audit_entries(AuditEntry.objects.filter(pk=entry.pk), world.auditor)
    assert not access.filter_audit_entries(
        AuditEntry.objects.filter(pk=entry.pk), world.county_auditor
    )
    with pytest.raises(CommandError, match="已被使用"):
        call_command("create_officer", "admin", "SEC2", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("create_officer", "auditor", "aud9", stdout=io.StringIO())
    with pytest.raises(CommandError, match="用户名"):
        call_command("create_officer", "admin", "坏 名字", stdout=io.StringIO())
    # From a request (any account, the security administrator too): refused.
    with pytest.raises(PermissionDenied):
        create_officer(Actor(world.security), username="sec3", role=Role.SECURITY, full_name="x")
    assert not User.objects.filter(username__in=["sec3", "aud9"]).exists()


def test_the_login_phone_is_masked_in_the_list_and_the_export(world, login):
    """The trail names the verified phone a village cadre logged in with, masked like every
    phone in a list or an export (138****1234); the full number is never on the page."""
    insert_at(timezone.now(), username="village", phone="13800001234", region_code="360731100201")
    client = login(world.county_auditor)
    page = client.get(LOG, {"username": "village"}).content.decode()
    assert "138****1234" in page and "13800001234" not in page
    rows = read_back(client.post(EXPORT, {"username": "village"}).content)
    assert [r[3] for r in rows[1:]] == ["138****1234"]
    assert "13800001234" not in str(rows)


@pytest.mark.parametrize("params", [{"end": "9999-12-31"}, {"start": "0001-01-01"}])
def test_a_date_past_what_a_query_takes_is_told_not_a_500(world, login, params):
    """9999-12-31, typed for "no end", once overflowed the period's end (a 500) on the list,
    the export page and the export itself."""
    entries(world)
    client = login(world.auditor)
    for response in (
        client.get(LOG, params),
        client.get(EXPORT, params),
        client.post(EXPORT, params),
    ):
        assert response.status_code == 200
        assert "日期应在 1900-01-01 至 2099-12-31 之间。" in response.content.decode()
    assert not AuditEntry.objects.filter(username="auditor", action=audit.EXPORT).exists()


def test_the_export_button_says_which_filters_it_exports(world, login):
    entries(world)
    client = login(world.county_auditor)
    page = client.get(EXPORT, {"username": "county", "action": audit.EXPORT}).content.decode()
    assert "导出条件：账号“county”；操作“导出”" in page
    assert "导出这 " in page


def test_the_object_type_filter_offers_chinese_names_of_records_only(world, login):
    page = login(world.auditor).get(LOG).content.decode()
    select = page[
        page.index('name="object_type"') : page.index("</select>", page.index('name="object_type"'))
    ]
    assert "家庭成员" in select and "行政区划" in select
    for internal in ("historical", "sms challenge", "object permission", ">found<"):
        assert internal not in select
