"""动态管理 › 年度动态管理 (issue 11, item 3): the county office opens its yearly round with a
deadline per step, every office of the county sees the progress per township, the county
seals the year (its status changes refused, its year-end fixed as of the seal) and may
reopen it with a reason."""

import datetime

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from assessment import services as assessment
from households import asof
from households.models import Household, YearSeal
from households.seals import SealedYearError
from identification import rounds
from identification.models import Case, Round, RoundEvent
from identification.round_progress import progress
from poverty_system.core import changelog
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.models import AuditEntry
from reports import records

from .assessment_data import poor_household
from .households_data import register
from .identification_data import admit

pytestmark = pytest.mark.django_db

YEAR = current_year()


def deadlines(first: datetime.date | None = None) -> dict[str, datetime.date]:
    first = first or datetime.date(YEAR, 3, 31)
    return {name: first + datetime.timedelta(days=30 * i) for i, name in enumerate(Round.DEADLINES)}


def form_data(**overrides) -> dict[str, str]:
    data = {name: due.isoformat() for name, due in deadlines().items()}
    return {"year": str(YEAR), **data, **overrides}


def opened(world, first=None) -> Round:
    return rounds.open_round(Actor(world.county_office), world.county, YEAR, deadlines(first))


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


# --- opening, and who sees the round ------------------------------------------------------


def test_the_county_office_opens_its_round_in_the_browser_form(world, login):
    client = login(world.county_office)
    response = client.post("/identification/rounds/open/", form_data())
    round_ = Round.objects.get()
    assert response.status_code == 302 and response.url == f"/identification/rounds/{round_.pk}/"
    assert (round_.county, round_.year, round_.state) == (world.county, YEAR, "open")
    assert round_.scale_due == datetime.date(YEAR, 3, 31)
    assert list(round_.events.values_list("kind", flat=True)) == ["opened"]
    assert AuditEntry.objects.filter(action="yearly_round", region_code=world.county.code).exists()
    # A second round of the same year is refused next to the year.
    again = client.post("/identification/rounds/open/", form_data())
    errors = page(again).xpath("//*[contains(@class, 'has-error')]//p[@class='error']")
    assert [e.text_content() for e in errors] == [f"{world.county.name}{YEAR}年度动态管理已开启。"]


def test_deadlines_out_of_order_or_missing_are_refused_next_to_the_field(world, login):
    client = login(world.county_office)
    response = client.post(
        "/identification/rounds/open/", form_data(new_due=f"{YEAR}-01-02", scale_due="")
    )
    field = page(response).xpath("//input[@name='scale_due']/ancestor::div[1]")[0]
    assert "请填写此项。" in field.text_content()
    assert not Round.objects.exists()
    response = client.post("/identification/rounds/open/", form_data(new_due=f"{YEAR}-01-02"))
    field = page(response).xpath("//input[@name='new_due']/ancestor::div[1]")[0]
    assert "截止日期不能早于上一步的截止日期。" in field.text_content()
    assert not Round.objects.exists()
    response = client.post("/identification/rounds/open/", form_data(new_review_due="9999-12-31"))
    assert f"截止日期须在 {YEAR} 年或 {YEAR + 1} 年内。" in response.content.decode()
    response = client.post("/identification/rounds/open/", form_data(year=str(YEAR + 5)))
    assert f"只能开启 {YEAR} 或 {YEAR + 1} 年度。" in response.content.decode()


def test_every_office_of_the_county_sees_the_round_and_no_one_else(world, login):
    round_ = opened(world)
    url = f"/identification/rounds/{round_.pk}/"
    for name in ("city_office", "county_office", "township_office"):
        client = login(getattr(world, name))
        assert client.get(url).status_code == 200, name
        assert f'href="{url}"' in client.get("/identification/rounds/").content.decode(), name
    # Another county's office: the round is outside its slice; not in its list either.
    client = login(world.other_county_office)
    assert client.get(url).status_code == 404
    assert url not in client.get("/identification/rounds/").content.decode()
    # Village, unit and cadre accounts have no such page (nor the administrator: it holds no
    # office's work).
    for name in ("unit_account", "cadre_account", "admin"):
        assert login(getattr(world, name)).get(url).status_code == 403, name
    assert login(world.village_account, world.phone).get(url).status_code == 403


def test_only_the_county_office_of_the_round_changes_it(world, login):
    round_ = opened(world)
    base = f"/identification/rounds/{round_.pk}"
    data = {**form_data(), "version": str(round_.version)}
    for name, status in (
        ("township_office", 403),
        ("city_office", 403),
        ("other_county_office", 404),
        ("admin", 403),
    ):
        client = login(getattr(world, name))
        assert client.post(f"{base}/deadlines/", data).status_code == status, name
        assert client.post(f"{base}/seal/", {"version": round_.version}).status_code == status
    with pytest.raises(Http404):
        rounds.seal(Actor(world.other_county_office), round_.pk, version=round_.version)
    with pytest.raises(Http404):  # the county lies outside the township's slice
        rounds.open_round(Actor(world.township_office), world.county, YEAR, deadlines())
    with pytest.raises(PermissionDenied):  # in the city's slice, not the city's to open
        rounds.open_round(Actor(world.city_office), world.other_county, YEAR, deadlines())
    round_.refresh_from_db()
    assert round_.state == "open" and round_.events.count() == 1


def test_a_stale_deadline_edit_is_refused_and_the_newer_dates_kept(world, login):
    round_ = opened(world)
    client = login(world.county_office)
    url = f"/identification/rounds/{round_.pk}/deadlines/"
    first = client.post(url, {**form_data(scale_due=f"{YEAR}-04-01"), "version": round_.version})
    assert first.status_code == 302
    stale = client.post(url, {**form_data(scale_due=f"{YEAR}-04-15"), "version": round_.version})
    assert "已被他人修改" in stale.content.decode()
    round_.refresh_from_db()
    assert round_.scale_due == datetime.date(YEAR, 4, 1)
    assert list(round_.events.values_list("kind", flat=True)) == ["opened", "deadlines"]


# --- sealing and reopening ----------------------------------------------------------------


def test_sealing_is_refused_while_a_household_is_still_in_its_chain(world):
    household = register(world.village_account, world.phone, admitted=False)
    admit(household, Actor(world.village_account, world.phone), until="township_review")
    round_ = opened(world)
    with pytest.raises(rounds.IdentificationError, match="仍有 1 户的识别或退出程序未办结"):
        rounds.seal(Actor(world.county_office), round_.pk, version=round_.version)
    assert not YearSeal.objects.exists()
    assert Case.objects.get().state == "open"


def test_a_sealed_year_refuses_status_changes_until_the_county_reopens_it(world, login):
    household = poor_household(world, "陈秀英")
    round_ = opened(world)
    client = login(world.county_office)
    response = client.post(f"/identification/rounds/{round_.pk}/seal/", {"version": round_.version})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.state == "sealed"
    seal = YearSeal.objects.get()
    assert (seal.county_code, seal.year, seal.sealed_by) == (
        world.county.code,
        YEAR,
        world.county_office,
    )
    # 脱贫 of the sealed year is refused, the household unchanged.
    with pytest.raises(SealedYearError, match="年度数据已于 .* 封存"):
        assessment.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    assert Household.objects.get(pk=household.pk).status == "poor"
    # Another county is not sealed: its households are not concerned.
    assert not YearSeal.objects.filter(county_code=world.other_county.code).exists()
    # Reopening needs a reason (next to the field), then lifts the seal.
    page_ = client.post(
        f"/identification/rounds/{round_.pk}/reopen/", {"version": round_.version, "reason": ""}
    )
    assert "请填写重新开启原因" in page_.content.decode()
    assert YearSeal.objects.exists()
    client.post(
        f"/identification/rounds/{round_.pk}/reopen/",
        {"version": round_.version, "reason": "补录两户脱贫"},
    )
    round_.refresh_from_db()
    assert round_.state == "open" and not YearSeal.objects.exists()
    event = round_.events.get(kind="reopened")
    assert event.reason == "补录两户脱贫" and event.actor == world.county_office
    outcome = assessment.mark_lifted(Actor(world.township_office), [household.pk], "lifted", "达标")
    assert [h.pk for h in outcome.changed] == [household.pk]
    kinds = AuditEntry.objects.filter(action="yearly_round").values_list("detail", flat=True)
    assert [d["kind"] for d in kinds.order_by("pk")] == ["opened", "sealed", "reopened"]


def test_a_sealed_year_end_does_not_move_when_a_record_is_edited_afterwards(world):
    household = poor_household(world, "黄国华")
    before = household.main_cause
    round_ = opened(world)
    rounds.seal(Actor(world.county_office), round_.pk, version=round_.version)
    household.refresh_from_db()
    household.main_cause = "disability" if before != "disability" else "illness"
    changelog.save(Actor(world.village_account, world.phone), household, reason="修改致贫原因")
    # Ordinary fields stay editable; the sealed year-end reads the data as of the seal.
    assert Household.objects.get(pk=household.pk).main_cause != before
    year_end = asof.as_of(Household.objects.filter(pk=household.pk), YEAR).get()
    assert (year_end.ye_main_cause, year_end.ye_status) == (before, "poor")
    (record,) = records.read([household.pk], compare_year=YEAR)
    assert record.last.main_cause == before
    # Reopened, the year-end follows the records again until the next seal.
    rounds.reopen(Actor(world.county_office), round_.pk, "更正", version=round_.version + 1)
    year_end = asof.as_of(Household.objects.filter(pk=household.pk), YEAR).get()
    assert year_end.ye_main_cause == household.main_cause


def test_round_events_are_append_only(world):
    event = opened(world).events.get()
    with pytest.raises(Exception, match="不可修改"):
        event.save()
    with pytest.raises(Exception, match="不可删除"):
        event.delete()
    assert RoundEvent.objects.count() == 1


# --- progress -----------------------------------------------------------------------------


def test_progress_counts_per_township_and_marks_the_steps_overdue(world, login):
    lifted, waiting = poor_household(world, "甲"), poor_household(world, "乙")
    assessment.mark_lifted(Actor(world.township_office), [lifted.pk], "lifted", "达标")
    new = register(world.village_account, world.phone, admitted=False)
    admit(new, Actor(world.village_account, world.phone), until="township_publicity")
    round_ = opened(world)
    late = datetime.date(YEAR, 12, 31)  # every deadline passed
    rows = progress(round_, world.county_office, today=late)
    (row,) = [r for r in rows if r.township == world.township]
    assert (row.registered, row.lifted, row.admitted) == (2, 1, 2)
    assert (row.new_waiting, row.new_at_county, row.exits_waiting) == (0, 1, 0)
    assert row.updated >= 1  # the lifted household's change-log row of this year
    assert not row.plan_set
    assert row.overdue == ["第一步 设置规模", "第五步 区县审核新增农户信息"]
    others = [r for r in rows if r.township != world.township]
    assert others and all(r.registered == 0 and r.overdue == ["第一步 设置规模"] for r in others)
    early = progress(round_, world.county_office, today=datetime.date(YEAR, 1, 1))
    assert all(r.overdue == [] for r in early)
    # The township office sees its own township's row only; the page shows it.
    assert [r.township for r in progress(round_, world.township_office)] == [world.township]
    response = login(world.township_office).get(f"/identification/rounds/{round_.pk}/")
    table = page(response).xpath("//table[@data-testid='progress']/tbody/tr")
    assert len(table) == 1 and world.township.name in table[0].text_content()
    assert waiting.pk


def test_the_progress_page_reads_a_constant_number_of_queries(world, login):
    round_ = opened(world)
    client = login(world.county_office)
    url = f"/identification/rounds/{round_.pk}/"
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for name in ("丙", "丁", "戊"):
        poor_household(world, name)
    more = register(world.village_account, world.phone, admitted=False)
    admit(more, Actor(world.village_account, world.phone), until="apply")
    assert count() == few == 15
