"""Loading the region tree (villages.regions.load_regions, manage.py load_regions) and the
region pages that show it."""

import gzip
import io
from pathlib import Path

import lxml.html
import pytest
from django.core.management import CommandError, call_command

from poverty_system.core import access
from poverty_system.core.actor import Actor
from poverty_system.core.roles import Role
from villages.accounts import add_village_phone, create_account
from villages.models import Region, User
from villages.regions import RegionFileError, load_regions

from .conftest import GANZHOU, PASSWORD, write_small_tree

HEADER = "code,name,level,parent_code\n"


def tree_fields() -> dict:
    return {
        r.code: (r.tree_id, r.lft, r.rght, r.depth, r.parent.code if r.parent else "")
        for r in Region.objects.select_related("parent")
    }


def assert_tree_as_mptt_computes_it() -> dict:
    """The stored tree fields are exactly what django-mptt's own rebuild() computes."""
    loaded = tree_fields()
    # Region.objects is a plain manager; mptt's TreeManager is _tree_manager.
    Region._tree_manager.rebuild()
    assert tree_fields() == loaded
    return loaded


def names() -> dict:
    return dict(Region.objects.values_list("code", "name"))


def ganzhou_rows(*codes) -> str:
    wanted = set(codes)
    with open(GANZHOU, encoding="utf-8") as source:
        return "".join(line for line in source if line.split(",", 1)[0] in wanted)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree_csv(tmp_path) -> Path:
    return write_small_tree(tmp_path / "tree.csv")


def test_loading_gives_the_tree_mptt_would_build(db, tree_csv):
    result = load_regions(tree_csv)
    assert result.added == Region.objects.count() == 13
    assert result.by_level == {"province": 1, "city": 1, "county": 2, "township": 3, "village": 6}
    fields = assert_tree_as_mptt_computes_it()
    assert fields["36"][:4] == (1, 1, 26, 0)
    county = Region.objects.get(code="360731")
    assert county.parent.code == "3607" and county.level == "county"
    assert [r.code for r in county.get_descendants().filter(level="village")] == [
        "360731100200",
        "360731100201",
        "360731100202",
        "360731101001",
        "360731101002",
    ]
    assert Region.objects.get(code="360731100201").get_ancestors().count() == 4


def test_loading_again_changes_nothing(db, tree_csv):
    load_regions(tree_csv)
    before = (tree_fields(), names(), set(Region.objects.values_list("pk", flat=True)))
    result = load_regions(tree_csv)
    assert (result.added, result.renamed, result.moved_in_tree) == (0, 0, 0)
    assert result.unchanged == 13
    assert (tree_fields(), names(), set(Region.objects.values_list("pk", flat=True))) == before


def test_a_renamed_region_is_updated(db, tree_csv, tmp_path):
    load_regions(tree_csv)
    fields = tree_fields()
    pk = Region.objects.get(code="360731100201").pk
    renamed = tree_csv.read_text(encoding="utf-8").replace("仓前村委会", "仓前村")
    result = load_regions(write(tmp_path / "renamed.csv", renamed))
    assert (result.added, result.renamed) == (0, 1)
    region = Region.objects.get(code="360731100201")
    assert (region.pk, region.name) == (pk, "仓前村")
    assert tree_fields() == fields


def test_new_codes_are_added_and_the_tree_stays_valid(world, login, tmp_path):
    """New townships, villages and a county inside a loaded tree: existing rows keep their
    ids (grants point at them) and every slice still covers its whole subtree."""
    ids = dict(Region.objects.values_list("code", "pk"))
    extra = ganzhou_rows("360702", "360702001", "360731102", "360732101")
    extra += "360731102001,新建村,village,360731102\n360731100203,新村委会,village,360731100\n"
    result = load_regions(write(tmp_path / "more.csv", HEADER + extra))
    assert result.added == 6
    assert result.moved_in_tree > 0
    assert_tree_as_mptt_computes_it()
    assert {code: pk for code, pk in Region.objects.values_list("code", "pk") if code in ids} == ids

    # Fresh account objects, as in a new request (grants are cached per request).
    county = User.objects.get(pk=world.county_office.pk)
    visible = set(
        access.filter_regions(Region.objects.all(), county).values_list("code", flat=True)
    )
    assert {"360731102", "360731102001", "360731100203"} <= visible
    assert "360702" not in visible and "360732101" not in visible
    township = User.objects.get(pk=world.township_office.pk)
    township = set(
        access.filter_regions(Region.objects.all(), township).values_list("code", flat=True)
    )
    assert township == {"360731100", "360731100200", "360731100201", "360731100202", "360731100203"}
    # The county office's page lists the new township with its village.
    client = login(world.county_office)
    rows = child_rows(client.get(f"/regions/{world.county.pk}/"))
    assert ("360731102000", "盘古山镇", "乡镇(街道)", "1") in rows
    assert ("360731100000", "贡江镇", "乡镇(街道)", "4") in rows


def test_a_new_province_before_the_others_renumbers_the_trees(world, tmp_path):
    load_regions(write(tmp_path / "bj.csv", HEADER + "11,北京市,province,\n1101,市辖区,city,11\n"))
    fields = assert_tree_as_mptt_computes_it()
    assert fields["11"][0] == 1 and fields["36"][0] == 2
    city = User.objects.get(pk=world.city_office.pk)
    visible = set(access.filter_regions(Region.objects.all(), city).values_list("code", flat=True))
    assert "11" not in visible and "1101" not in visible and "360731100201" in visible


BAD_FILES = [
    pytest.param(
        "360731199001,新村,village,360731199\n",
        3,
        "上级区划代码 360731199 不存在",
        id="unknown-parent",
    ),
    pytest.param("360731199,新镇,town,360731\n", 3, "未知的级别“town”", id="unknown-level"),
    pytest.param(
        "360731199,新镇,township,360731\n360731199,新镇二,township,360731\n",
        4,
        "区划代码 360731199 重复（第 3 行已有）",
        id="duplicate-code",
    ),
    pytest.param(
        "360731199,新镇,township,360731100\n", 3, "下级必须低于上级", id="level-not-below-parent"
    ),
    pytest.param(
        "360731,于都县,county,360731100\n", 3, "下级必须低于上级", id="county-under-township"
    ),
    pytest.param(
        "36073110,短码,township,360731\n", 3, "township 级区划代码应为 9 位数字", id="code-length"
    ),
]


@pytest.mark.parametrize("bad_rows, line, message", BAD_FILES)
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_written(
    db, tree_csv, tmp_path, bad_rows, line, message
):
    load_regions(tree_csv)
    before = (tree_fields(), names())
    # A rename and a new village come first: they must not be written either.
    text = HEADER + "360731100201,改名村,village,360731100\n" + bad_rows
    text += "360731100209,后来村,village,360731100\n"
    with pytest.raises(RegionFileError) as error:
        load_regions(write(tmp_path / "bad.csv", text))
    assert error.value.line == line
    assert message in str(error.value) and f"第 {line} 行" in str(error.value)
    assert (tree_fields(), names()) == before


def test_a_wrong_header_is_refused_on_line_one(db, tmp_path):
    path = write(tmp_path / "bad.csv", "code,name,level\n36,江西省,province\n")
    with pytest.raises(RegionFileError) as error:
        load_regions(path)
    assert error.value.line == 1 and "表头应为 code,name,level,parent_code" in str(error.value)
    assert not Region.objects.exists()


def test_a_bad_first_load_writes_nothing(db, tmp_path):
    text = HEADER + "36,江西省,province,\n3607,赣州市,city,36\n360799,无上级,county,3608\n"
    with pytest.raises(RegionFileError):
        load_regions(write(tmp_path / "bad.csv", text))
    assert not Region.objects.exists()


def test_a_gzipped_file_loads_the_same_tree(db, tree_csv, tmp_path):
    packed = tmp_path / "tree.csv.gz"
    packed.write_bytes(gzip.compress(tree_csv.read_bytes()))
    result = load_regions(packed)
    assert result.added == Region.objects.count() == 13
    fields = assert_tree_as_mptt_computes_it()
    assert load_regions(tree_csv).added == 0
    assert tree_fields() == fields


def test_the_command_loads_and_reports(db, tree_csv):
    out = io.StringIO()
    call_command("load_regions", str(tree_csv), stdout=out)
    assert "行政区划导入完成：新增 13" in out.getvalue()
    out = io.StringIO()
    call_command("load_regions", str(tree_csv), stdout=out)
    assert "新增 0" in out.getvalue() and "未变 13" in out.getvalue()
    assert Region.objects.count() == 13


def test_the_command_refuses_a_bad_file_with_its_line(db, tree_csv, tmp_path):
    call_command("load_regions", str(tree_csv), stdout=io.StringIO())
    path = write(
        tmp_path / "bad.csv",
        HEADER + "360731199,新镇,township,360731\n360731199001,新村,village,360731198\n",
    )
    with pytest.raises(CommandError) as error:
        call_command("load_regions", str(path), stdout=io.StringIO())
    assert "第 3 行" in str(error.value) and "未导入任何数据" in str(error.value)
    assert not Region.objects.filter(code="360731199").exists()
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("load_regions", str(tmp_path / "missing.csv"))


def test_the_whole_ganzhou_file_loads_as_mptt_would_build_it(db):
    result = load_regions(GANZHOU)
    assert result.added == Region.objects.count() == sum(1 for _ in open(GANZHOU)) - 1
    assert_tree_as_mptt_computes_it()


# --- the region pages ---------------------------------------------------------------------


def child_rows(response) -> list[tuple[str, ...]]:
    page = lxml.html.fromstring(response.content.decode())
    rows = page.xpath('//table[@data-testid="region-children"]/tbody/tr[not(td[@class="empty"])]')
    return [tuple(cell.text_content().strip() for cell in row.xpath("td")) for row in rows]


def test_region_page_lists_children_with_village_counts(world, login):
    client = login(world.county_office)
    response = client.get(f"/regions/{world.county.pk}/")
    assert response.status_code == 200
    assert child_rows(response) == [
        ("360731100000", "贡江镇", "乡镇(街道)", "3"),
        ("360731101000", "铁山垅镇", "乡镇(街道)", "2"),
    ]
    client = login(world.city_office)
    assert child_rows(client.get(f"/regions/{world.city.pk}/")) == [
        ("360731000000", "于都县", "县(区)", "5"),
        ("360732000000", "兴国县", "县(区)", "1"),
    ]
    response = client.get(f"/regions/{world.township.pk}/")
    assert [row[1:] for row in child_rows(response)] == [
        ("长征村委会", "村(居委会)", "1"),
        ("仓前村委会", "村(居委会)", "1"),
        ("里泗村委会", "村(居委会)", "1"),
    ]


def test_region_page_shows_the_code_and_the_way_up_inside_the_slice(world, login):
    client = login(world.township_office)
    page = lxml.html.fromstring(client.get(f"/regions/{world.village.pk}/").content.decode())
    assert page.xpath('string(//*[@data-testid="region-code"])') == "360731100201"
    # The breadcrumb shows the township but nothing above the account's slice.
    assert page.xpath('//nav[@class="breadcrumb"]/a/text()') == ["贡江镇"]
    assert child_rows(client.get(f"/regions/{world.village.pk}/")) == []


def test_region_root_opens_the_slice(world, login):
    client = login(world.county_office)
    response = client.get("/regions/")
    assert (response.status_code, response.url) == (302, f"/regions/{world.county.pk}/")
    client = login(world.admin)
    response = client.get("/regions/")
    assert (response.status_code, response.url) == (302, f"/regions/{world.province.pk}/")

    two, _ = create_account(
        Actor.system(world.county_office),
        username="two_villages",
        role=Role.VILLAGE,
        regions=[world.village2, world.village],
        full_name="两村",
        password=PASSWORD,
        must_change_password=False,
    )
    add_village_phone(Actor.system(world.township_office), two, phone="13700000001", holder="张三")
    client = login(two)
    response = client.get("/regions/")
    assert response.status_code == 200
    assert [row[1] for row in child_rows(response)] == ["仓前村委会", "里泗村委会"]


def test_children_endpoint_gives_the_next_level_as_json(world, login):
    client = login(world.county_office)
    data = client.get(f"/regions/{world.county.pk}/children/").json()
    township = Region.objects.get(code="360731100")
    assert data["children"][0] == {
        "id": township.pk,
        "name": "贡江镇",
        "code": "360731100",
        "level": "乡镇(街道)",
        "has_children": True,
        "url": f"/regions/{township.pk}/",
        "children_url": f"/regions/{township.pk}/children/",
    }
    assert [c["code"] for c in data["children"]] == ["360731100", "360731101"]
    villages = client.get(f"/regions/{township.pk}/children/").json()["children"]
    assert [(c["code"], c["has_children"]) for c in villages] == [
        ("360731100200", False),
        ("360731100201", False),
        ("360731100202", False),
    ]
    assert client.get(f"/regions/{world.village.pk}/children/").json() == {"children": []}
