"""The assessment pages at phone width: a poor-village record with its 处理记录 fits the
window (wide tables scroll inside their frame, not the page)."""

from decimal import Decimal

import pytest

from assessment.services import poor_villages as actions
from poverty_system.core.actor import Actor
from tests.browser.conftest import PHONE, browser_login, shot
from tests.browser.test_layout import assert_fits

pytestmark = pytest.mark.browser


def test_poor_village_record_fits_a_phone(new_page, live_server, world):
    record = actions.add_poor_village(
        Actor(world.township_office),
        world.village,
        2026,
        {"households": 300, "population": 1000, "collective_income": Decimal("50000")},
    )
    actions.change_state(Actor(world.township_office), record.pk, "submitted")
    actions.change_state(
        Actor(world.county_office), record.pk, "returned", "集体经济收入数据需核实，请补充说明"
    )
    page = new_page(PHONE)
    browser_login(page, live_server, world.township_office)
    page.goto(f"{live_server.url}/assessment/poor-villages/{record.pk}/")
    assert_fits(page, "poor-village")
    shot(page, "poor-village-phone")
