"""Choice lists start with a Chinese prompt (请选择…), never Django's "---------"."""

import pytest

from households.forms import BasicForm, RemoveMemberForm
from households.models import Member
from villages.forms import AccountRegionForm
from villages.models import Region

pytestmark = pytest.mark.django_db


def test_no_dashes_as_the_empty_choice(world):
    villages = Region.objects.filter(pk__in=[world.village.pk, world.village2.pk])
    forms = [
        BasicForm(villages=villages),
        RemoveMemberForm(members=Member.objects.none()),
        AccountRegionForm(regions=Region.objects.filter(pk=world.township.pk)),
    ]
    for form in forms:
        html = str(form)
        assert "---------" not in html, type(form).__name__
        assert "请选择" in html, type(form).__name__
