"""Each role's home page says where things stand; every figure that counts households links
to the household list that lists exactly them."""

import re
from decimal import Decimal

from households import lifecycle
from households.models import Household
from poverty_system.core.actor import Actor
from quality import services as quality

from .assessment_data import poor_household
from .households_data import member, register
from .units_data import assigned_household, link_world_village


def _figures(page: str) -> dict[str, tuple[str, str]]:
    found = re.findall(
        r'<a class="figure" href="([^"]+)" data-figure="([^"]+)">'
        r"<span>[^<]*</span><strong>([^<]*)</strong>",
        page,
    )
    return {label: (url.replace("&amp;", "&"), value) for url, label, value in found}


def _check_lists(client, figures):
    for label, (url, value) in figures.items():
        if url.startswith("/households/view/"):
            listed = client.get(url).context["page"].count
            assert listed == int(value), f"{label}: figure {value}, list {listed}"


def test_village_home(world, login):
    poor_household(world, "甲")
    register(world.village_account, world.phone, [member("乙")], parts_done=2)
    client = login(world.village_account, world.phone)
    figures = _figures(client.get("/").content.decode())
    assert figures["已认领贫困户"][1] == "2"
    assert figures["待完成登记"][1] == "1"
    assert figures["未关联帮扶单位"][1] == "1"
    _check_lists(client, figures)


def test_township_home(world, login):
    h = poor_household(world, "甲")
    lifecycle.set_status(Actor.system(world.township_office), h, "lifted", "达标")
    client = login(world.township_office)
    figures = _figures(client.get("/").content.decode())
    lifted = [value for label, (_, value) in figures.items() if label.endswith("已脱贫人口")]
    assert lifted == ["1"]
    assert "数据质量问题" in figures
    _check_lists(client, figures)


def test_county_home_counts_problems_by_township(world, login):
    h = poor_household(world, "甲")
    Household.objects.filter(pk=h.pk).update(net_income_per_capita=Decimal("-1"))
    quality.run_pack(Actor.system(world.county_office), world.county)
    client = login(world.county_office)
    page = client.get("/").content.decode()
    figures = _figures(page)
    assert figures["待审核贫困村"][1] == "0"
    assert int(figures["数据质量问题"][1]) >= 1
    assert 'data-testid="problems-by-township"' in page and "贡江镇" in page
    _check_lists(client, figures)
    # Another county sees none of it.
    other = login(world.other_county_office).get("/").content.decode()
    assert _figures(other)["数据质量问题"][1] == "0" and "贡江镇" not in other


def test_city_home_shows_the_county_table(world, login):
    poor_household(world, "甲")
    client = login(world.city_office)
    page = client.get("/").content.decode()
    assert 'data-testid="county-table"' in page and "于都县" in page
    for url, count in re.findall(r'<a href="(/households/[^"]+)" data-count="(\d+)"', page):
        assert client.get(url.replace("&amp;", "&")).context["page"].count == int(count)


def test_unit_and_cadre_homes(world, login):
    link_world_village(world)
    assigned_household(world)
    unit = _figures(login(world.unit_account).get("/").content.decode())
    assert unit["未分配帮扶干部的贫困户"][1] == "0"
    cadre = _figures(login(world.cadre_account).get("/").content.decode())
    assert [v for label, (_, v) in cadre.items() if "未填调查情况表" in label] == ["1"]
    assert [v for label, (_, v) in cadre.items() if "未走访" in label] == ["1"]
