"""脱贫标准: the county office sets its county's line and checks; the row then applies to the
whole county instead of the default; stale forms are refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessment.criteria import criteria_for
from assessment.models import ExitCriteria
from assessment.services.criteria import save_criteria
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry

pytestmark = pytest.mark.django_db

POST = {"income_line": "3650", "check_school": "on", "check_medical": "on", "note": "省定标准"}


def test_county_sets_its_line_and_it_applies_below(world, login):
    client = login(world.county_office)
    page = client.get("/assessment/criteria/?year=2026").content.decode()
    assert "系统默认值" in page
    response = client.post("/assessment/criteria/?year=2026", {**POST, "version": "0"})
    assert response.status_code == 302
    row = ExitCriteria.objects.get(year=2026, region=world.county)
    assert row.income_line == Decimal("3650") and not row.check_water and row.check_school
    assert criteria_for(world.village.full_code, 2026) == row
    assert criteria_for("360732100005", 2026).is_default  # the other county keeps the default
    assert row.history.count() == 1
    assert AuditEntry.objects.filter(action="exit_criteria").count() == 1
    # an edit carries the version; a stale one is refused and the newer data kept
    assert (
        client.post(
            "/assessment/criteria/?year=2026", {**POST, "income_line": "3700", "version": "1"}
        ).status_code
        == 302
    )
    stale = client.post(
        "/assessment/criteria/?year=2026", {**POST, "income_line": "3800", "version": "1"}
    )
    assert "已被他人修改" in stale.content.decode()
    assert ExitCriteria.objects.get(pk=row.pk).income_line == Decimal("3700")


def test_criteria_refuse_bad_input(world, login):
    client = login(world.county_office)
    response = client.post("/assessment/criteria/", {"income_line": "-1", "version": "0"})
    assert "不能为负数" in response.content.decode()
    assert not ExitCriteria.objects.filter(region=world.county).exists()


def test_criteria_access_from_both_sides(world, login):
    for name, status in {
        "city_office": 403,
        "township_office": 403,
        "village_account": 403,
        "unit_account": 403,
    }.items():
        client = login(getattr(world, name))
        assert client.post("/assessment/criteria/", {**POST, "version": "0"}).status_code == status
    with pytest.raises(Http404):
        save_criteria(
            Actor(world.county_office), world.other_county, 2026, {"income_line": Decimal(1)}, 0
        )
    with pytest.raises(PermissionDenied):
        save_criteria(Actor(world.city_office), world.county, 2026, {"income_line": Decimal(1)}, 0)
    with pytest.raises(PermissionDenied):
        save_criteria(
            Actor(world.township_office), world.township, 2026, {"income_line": Decimal(1)}, 0
        )
    assert not ExitCriteria.objects.filter(region__isnull=False).exists()
