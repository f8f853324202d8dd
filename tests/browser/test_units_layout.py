"""The unit and cadre pages at phone width (cadres use phones): every page fits the window;
the assignment page's 全选 ticks every household."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, browser_login, shot
from tests.browser.test_layout import assert_fits
from tests.households_data import no_sms_throttle  # noqa: F401
from tests.units_data import assigned_household, link_world_village, linked_household, the_cadre

pytestmark = pytest.mark.browser


def test_unit_and_cadre_pages_fit_a_phone(new_page, live_server, world):
    link = link_world_village(world)
    household = assigned_household(world)
    linked_household(world)
    linked_household(world)
    cadre = the_cadre(world)
    origin = live_server.url

    unit = new_page(PHONE)
    browser_login(unit, live_server, world.unit_account)
    expect(unit.get_by_test_id("unit-home")).to_contain_text(world.village.name)
    for name, url in (
        ("unit-home", "/"),
        ("unit-villages", "/units/villages/"),
        ("unit-village", f"/units/villages/{link.pk}/"),
        ("unit-links", "/units/links/"),
        ("unit-cadres", "/units/cadres/"),
        ("unit-cadre", f"/units/cadres/{cadre.pk}/"),
        ("unit-assign", f"/units/cadres/{cadre.pk}/assign/"),
        ("unit-transfer", "/units/cadres/transfer/"),
        ("unit-depart", "/units/cadres/depart/"),
        ("unit-surveys", "/units/surveys/"),
    ):
        unit.goto(f"{origin}{url}")
        assert_fits(unit, name)
        shot(unit, f"{name}-phone")
    unit.goto(f"{origin}/units/cadres/{cadre.pk}/assign/")
    unit.get_by_label("全选").check()
    boxes = unit.get_by_test_id("candidates").locator('input[name="households"]')
    expect(boxes).to_have_count(2)
    for i in range(2):
        expect(boxes.nth(i)).to_be_checked()

    cadre_page = new_page(PHONE)
    browser_login(cadre_page, live_server, world.cadre_account)
    for name, url in (
        ("cadre-home", "/"),
        ("cadre-surveys", "/units/surveys/"),
        ("cadre-survey", f"/units/surveys/{household.pk}/"),
    ):
        cadre_page.goto(f"{origin}{url}")
        assert_fits(cadre_page, name)
        shot(cadre_page, f"{name}-phone")


def test_cadres_survey_list_shows_what_is_to_fill_on_a_phone(new_page, live_server, world):
    """On a phone the 贫困户信息调查情况表 list is a card per household: whether this year's
    survey is still to fill is on the screen, not in a column off to the right."""
    link_world_village(world)
    assigned_household(world)
    cadre_page = new_page(PHONE)
    browser_login(cadre_page, live_server, world.cadre_account)
    cadre_page.goto(f"{live_server.url}/units/surveys/")
    status = cadre_page.get_by_test_id("surveys").get_by_text("待填写")
    expect(status).to_be_visible()
    box = status.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
