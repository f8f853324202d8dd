"""Readable tables (issue 04, item 9): at an office desktop (1366x768) the household list shows
its columns without sideways scrolling, and its column chooser remembers the choice; at a
phone's width (390 px) the household page and the member grid of 扶贫对象登记表 fit as
stacked cards with inputs wide enough to type in.

Set BROWSER_SHOTS_DIR to keep screenshots of the pages measured."""

import pytest
from playwright.sync_api import expect

from households import services
from households.choices import Relation
from households.models import Household
from portal.demo.seeding import seed_households
from poverty_system.core.actor import Actor
from tests.browser.conftest import PHONE, browser_login, horizontal_overflow, shot
from tests.households_data import member, no_sms_throttle, register  # noqa: F401

pytestmark = pytest.mark.browser

MIN_INPUT_WIDTH = 40  # CSS pixels: a thumb's width, enough to see what is typed

# scrollWidth beyond clientWidth of the table's frame: > 0 means sideways scrolling.
TABLE_OVERFLOW = """() => {
  const frame = document.querySelector('[data-testid=households]').closest('.table-wrap');
  return frame.scrollWidth - frame.clientWidth;
}"""


@pytest.fixture
def households(world):
    """Seeded households in the village and the township, a few claimed (the widest rows:
    claim holder and masked phone), and one registered with a long cause and a family."""
    seed_households(world.township, 40, seed=4, villages=[world.village, world.village2])
    village = Household.objects.filter(village=world.village).order_by("number")
    for household in village[:3]:
        services.claim_household(Actor(world.village_account, world.phone), household)
    family = register(
        world.village_account,
        world.phone,
        [
            member("欧阳建国"),
            member("欧阳丽华", Relation.SPOUSE, gender="female"),
            member("欧阳小明", Relation.SON),
        ],
    )
    return family


def visible_headers(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid=households] thead th'))
            .filter(th => th.offsetParent !== null).map(th => th.textContent.trim())"""
    )


@pytest.mark.parametrize("account", ["village_account", "county_office"])
def test_household_list_fits_an_office_screen(page, live_server, world, households, account):
    browser_login(page, live_server, getattr(world, account))
    page.goto(f"{live_server.url}/households/")
    expect(page.get_by_test_id("households").locator("tbody tr")).not_to_have_count(0)
    shot(page, f"tables-list-{account}")
    assert page.evaluate(TABLE_OVERFLOW) <= 0
    assert horizontal_overflow(page) <= 1


def test_household_list_is_cards_on_a_phone(new_page, live_server, world, households):
    page = new_page(PHONE)
    browser_login(page, live_server, world.village_account, phone=world.phone)
    page.goto(f"{live_server.url}/households/")
    rows = page.get_by_test_id("households").locator("tbody tr")
    expect(rows.first.locator("td[data-label=户主姓名]")).to_be_visible()
    # Columns left out by the chooser stay out of the cards too.
    expect(rows.first.locator("td[data-label=联系电话]")).to_be_hidden()
    shot(page, "tables-list-phone")
    assert horizontal_overflow(page) <= 1
    assert page.evaluate(TABLE_OVERFLOW) <= 0


def test_household_page_members_fit_an_office_screen(page, live_server, world, households):
    browser_login(page, live_server, world.village_account, phone=world.phone)
    page.goto(f"{live_server.url}/households/{households.pk}/")
    expect(page.get_by_test_id("members")).to_contain_text("欧阳丽华")
    shot(page, "tables-detail-desktop")
    overflow = page.evaluate(
        """() => { const f = document.querySelector('[data-testid=members]').closest('.table-wrap');
                   return f.scrollWidth - f.clientWidth; }"""
    )
    assert overflow <= 0
    assert horizontal_overflow(page) <= 1


def narrow_inputs(page, scope: str) -> list[str]:
    """Visible inputs and selects under `scope` narrower than MIN_INPUT_WIDTH (checkboxes aside)."""
    return page.evaluate(
        """([scope, least]) => Array.from(document.querySelectorAll(
              scope + ' input:not([type=hidden]):not([type=checkbox]), ' + scope + ' select'))
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width < least)
            .map(el => el.name + ' ' + Math.round(el.getBoundingClientRect().width))""",
        [scope, MIN_INPUT_WIDTH],
    )


def test_household_page_fits_a_phone(new_page, live_server, world, households):
    page = new_page(PHONE)
    browser_login(page, live_server, world.village_account, phone=world.phone)
    page.goto(f"{live_server.url}/households/{households.pk}/")
    members = page.get_by_test_id("members")
    expect(members).to_contain_text("欧阳丽华")
    shot(page, "tables-detail-phone")
    assert horizontal_overflow(page) <= 1
    # Each member is a card: its values sit under one another, each named by its column.
    rows = members.locator("tbody tr")
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert first["width"] <= PHONE["width"] and second["y"] >= first["y"] + first["height"] - 1
    expect(rows.nth(0).locator("td[data-label=身份证号码]")).to_be_visible()
    frame = page.evaluate(
        """() => Array.from(document.querySelectorAll('main .table-wrap'))
            .map(f => f.scrollWidth - f.clientWidth)"""
    )
    assert max(frame) <= 1, f"tables that scroll sideways: {frame}"


def test_member_grid_fits_a_phone(new_page, live_server, world):
    page = new_page(PHONE)
    browser_login(page, live_server, world.village_account, phone=world.phone)
    page.goto(f"{live_server.url}/households/register/")
    grid = page.get_by_test_id("member-rows")
    expect(grid).to_be_visible()
    shot(page, "tables-register-phone")
    assert horizontal_overflow(page) <= 1
    assert narrow_inputs(page, "[data-testid=member-rows]") == []
    assert narrow_inputs(page, "main form") == []
    # A row's fields are labelled on the card, and typing into them works.
    row = grid.locator("tbody tr").first
    row.get_by_label("姓名").fill("欧阳建国")
    expect(row.get_by_label("姓名")).to_have_value("欧阳建国")
    expect(row.locator("label", has_text="身份证号码")).to_be_visible()


def test_column_chooser_remembers_the_choice(page, live_server, world, households):
    browser_login(page, live_server, world.county_office)
    page.goto(f"{live_server.url}/households/")
    table = page.get_by_test_id("households")
    expect(table).to_be_visible()
    default = visible_headers(page)
    assert "联系电话" not in default and "户主身份证号" in default

    chooser = page.locator(".column-chooser")
    chooser.locator("summary").click()
    chooser.get_by_label("联系电话").check()
    chooser.get_by_label("户主身份证号").uncheck()
    expect(table.locator("th.col-phone")).to_be_visible()
    expect(table.locator("td.col-id").first).to_be_hidden()
    assert horizontal_overflow(page) <= 1  # the open chooser stays inside the window
    shot(page, "tables-list-chooser")

    # Kept for the next visit (and another page of the list).
    page.goto(f"{live_server.url}/households/?page=2")
    headers = visible_headers(page)
    assert "联系电话" in headers and "户主身份证号" not in headers
    assert page.evaluate(TABLE_OVERFLOW) <= 0

    # 恢复默认 brings the server's default back.
    chooser.locator("summary").click()
    chooser.get_by_role("button", name="恢复默认").click()
    assert visible_headers(page) == default
    page.reload()
    assert visible_headers(page) == default
