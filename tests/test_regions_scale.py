"""What makes the region tree work at the size of the country, checked on small trees:
the loader's batched writes (executemany on SQLite, execute_values on PostgreSQL) across
batch boundaries, the breadcrumb's ancestors found by code, and region pages whose queries do
not grow with the tree. (Loading itself is tested in test_regions_loader.py; the timings are
in bench/regions.py and docs/PERFORMANCE.md.)"""

import csv
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from villages import regions
from villages.models import Region
from villages.regions import load_regions
from villages.views import _ancestors

from .conftest import GANZHOU

# Every region of ganzhou.csv down to the townships (330) and the villages of 于都县 (401).
PART_ROWS = 731
# Left out of a first load: a township with its villages (贡江镇), a single village, a
# township of another county and a whole county, so that the second load inserts in the
# middle of the tree and shifts the nodes already stored.
LEFT_OUT = ("360731100", "360731101001", "360702001", "360735")


def in_part(row) -> bool:
    return row[2] != "village" or row[0].startswith("360731")


def write_part(path: Path, keep=in_part, rename=None, extra=()) -> Path:
    """Rows of ganzhou.csv kept by keep, names replaced from rename, extra rows at the end."""
    with (
        open(GANZHOU, encoding="utf-8", newline="") as source,
        open(path, "w", encoding="utf-8", newline="") as out,
    ):
        rows = csv.reader(source)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(rows))
        for row in rows:
            if keep(row):
                writer.writerow([row[0], (rename or {}).get(row[0], row[1]), *row[2:]])
        writer.writerows(extra)
    return path


def tree_fields() -> dict[str, tuple]:
    return {
        code: rest
        for code, *rest in Region.objects.values_list(
            "code", "name", "level", "parent__code", "tree_id", "lft", "rght", "depth"
        )
    }


def test_batched_writes_across_batch_boundaries_give_mptts_tree(db, tmp_path, monkeypatch):
    """Inserts, renames and renumbering in many batches of 7 rows; the result must be what
    django-mptt's rebuild() computes (rebuild() is one UPDATE per node: a small tree)."""
    monkeypatch.setattr(regions, "BATCH", 7)
    first = load_regions(
        write_part(
            tmp_path / "first.csv",
            keep=lambda row: in_part(row) and not row[0].startswith(LEFT_OUT),
            rename={code: f"旧名{code}" for code in ("360731101", "360731102", "360731213")},
        )
    )

    result = load_regions(write_part(tmp_path / "part.csv"))

    assert (result.added, result.renamed, result.unchanged) == (
        PART_ROWS - first.added,
        3,
        first.added - 3,
    )
    assert result.moved_in_tree > 7
    loaded = tree_fields()
    assert loaded["360731101"][0] == "铁山垅镇"
    Region._tree_manager.rebuild()  # Region.objects is not mptt's TreeManager
    assert tree_fields() == loaded


def test_ancestors_found_by_code_are_mptts(db, tmp_path):
    # 360799001 hangs directly under the city (no county), next to a county 360799 whose code
    # prefixes it: a prefix of the code alone does not make an ancestor.
    load_regions(
        write_part(
            tmp_path / "part.csv",
            extra=[
                ("360799", "某县", "county", "3607"),
                ("360799001", "某镇", "township", "3607"),
                ("360799001001", "某村", "village", "360799001"),
            ],
        )
    )
    for region in Region.objects.filter(
        code__in=[
            "36",
            "3607",
            "360731",
            "360731100",
            "360731100201",
            "360702",
            "360702002",
            "360799",
            "360799001",
            "360799001001",
        ]
    ):
        assert _ancestors(region) == list(region.get_ancestors()), region.code
    assert [a.code for a in _ancestors(Region.objects.get(code="360799001001"))] == [
        "36",
        "3607",
        "360799001",
    ]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_region_pages_queries_do_not_grow_with_the_tree(world, login, tmp_path):
    client = login(world.admin)
    pages = [
        f"/regions/{world.province.pk}/",
        f"/regions/{world.city.pk}/",
        f"/regions/{world.county.pk}/",
        f"/regions/{world.township.pk}/",
        f"/regions/{world.village.pk}/",
        f"/regions/{world.county.pk}/children/",
    ]
    expected = [
        9,
        10,
        10,
        9,
        9,
        7,
    ]  # by the page's depth (a village adds its 农村人口), whatever the tree's size
    assert [queries(client, url) for url in pages] == expected

    load_regions(write_part(tmp_path / "part.csv"))  # 731 regions instead of 13

    assert [queries(client, url) for url in pages] == expected
