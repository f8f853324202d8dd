"""The demo unit and cadre accounts in 于都县 (used by `make run`). Idempotent."""

from django.db import transaction

from villages.demo import COUNTY, DEMO_CADRE, DEMO_PASSWORD, DEMO_UNIT
from villages.models import Region, User

from .models import Unit
from .services import create_cadre_account, create_unit


@transaction.atomic
def ensure_demo_unit() -> int:
    """Create the demo unit account and its cadre if missing; returns how many were created."""
    created = 0
    county = User.objects.get(username="yudu_county")
    unit = Unit.objects.filter(name=DEMO_UNIT[1]).first()
    if unit is None:
        unit, _, _ = create_unit(
            county,
            name=DEMO_UNIT[1],
            region=Region.objects.get(code=COUNTY),
            username=DEMO_UNIT[0],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        created += 1
    if not User.objects.filter(username=DEMO_CADRE[0]).exists():
        create_cadre_account(
            User.objects.get(username=DEMO_UNIT[0]),
            unit,
            username=DEMO_CADRE[0],
            name=DEMO_CADRE[1],
            phone=DEMO_CADRE[2],
            password=DEMO_PASSWORD,
            must_change_password=False,
        )
        created += 1
    return created
