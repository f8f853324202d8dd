"""Loading the region tree from the national statistics CSV (code,name,level,parent_code).

The whole country is 665,276 rows. django-mptt's per-row inserts or rebuild() take many
minutes, so the tree fields (tree_id, lft, rght, depth) are computed here in one pass and
written with batched raw SQL (executemany on SQLite, execute_values on PostgreSQL, where
executemany costs one round trip per row). Re-running updates names and adds new codes; a
bad file is refused with its line number before anything is written. See
docs/PERFORMANCE.md for the measured times.
"""

import csv
import gzip
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from .models import LEVEL_DIGITS, LEVEL_ORDER

HEADER = ["code", "name", "level", "parent_code"]
LEVEL_RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}
BATCH = 5000
# statement -> (SQL for one row, for executemany; SQL for execute_values on PostgreSQL)
WRITES = {
    "insert": (
        "INSERT INTO villages_region (code, name, level, parent_id, tree_id, lft, rght, depth)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        "INSERT INTO villages_region (code, name, level, parent_id, tree_id, lft, rght, depth)"
        " VALUES %s",
    ),
    "rename": (
        "UPDATE villages_region SET name = %s WHERE id = %s",
        "UPDATE villages_region AS r SET name = v.name FROM (VALUES %s) AS v(name, id)"
        " WHERE r.id = v.id",
    ),
    "renumber": (
        "UPDATE villages_region SET tree_id = %s, lft = %s, rght = %s, depth = %s WHERE id = %s",
        "UPDATE villages_region AS r SET tree_id = v.tree_id, lft = v.lft, rght = v.rght,"
        " depth = v.depth FROM (VALUES %s) AS v(tree_id, lft, rght, depth, id)"
        " WHERE r.id = v.id",
    ),
}


class RegionFileError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(f"第 {line} 行：{message}")
        self.line, self.message = line, message


@dataclass
class LoadResult:
    added: int = 0
    renamed: int = 0
    unchanged: int = 0
    moved_in_tree: int = 0
    by_level: dict = field(default_factory=dict)


@dataclass(slots=True)
class _Node:
    code: str
    name: str
    level: str
    parent: str  # parent code, "" for a root
    id: int | None = None
    tree_id: int = 0
    lft: int = 0
    rght: int = 0
    depth: int = 0

    @property
    def tree(self) -> tuple[int, int, int, int]:
        return self.tree_id, self.lft, self.rght, self.depth


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_region_file(path: Path, known: dict[str, _Node]) -> list[_Node]:
    """Parse and validate the file against itself and the regions already stored.

    New codes are added to `known`; the returned list holds one node per row, in file order.
    """
    rows: list[_Node] = []
    seen: dict[str, int] = {}
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != HEADER:
            raise RegionFileError(1, "表头应为 code,name,level,parent_code。")
        for line, record in enumerate(reader, start=2):
            if not record:
                continue
            if len(record) != 4:
                raise RegionFileError(line, f"应有 4 列，实有 {len(record)} 列。")
            code, name, level, parent = [value.strip() for value in record]
            if level not in LEVEL_RANK:
                raise RegionFileError(line, f"未知的级别“{level}”。")
            digits = LEVEL_DIGITS[level]
            if not (len(code) == digits and code.isdigit()):
                raise RegionFileError(line, f"{level} 级区划代码应为 {digits} 位数字：“{code}”。")
            if not name:
                raise RegionFileError(line, "名称不能为空。")
            first_line = seen.setdefault(code, line)
            if first_line != line:
                raise RegionFileError(line, f"区划代码 {code} 重复（第 {first_line} 行已有）。")
            if parent:
                parent_node = known.get(parent)
                if parent_node is None:
                    raise RegionFileError(line, f"上级区划代码 {parent} 不存在。")
                if LEVEL_RANK[level] <= LEVEL_RANK[parent_node.level]:
                    raise RegionFileError(
                        line, f"{level} 不能位于 {parent_node.level} 之下：下级必须低于上级。"
                    )
                if not code.startswith(parent):
                    raise RegionFileError(line, f"区划代码 {code} 不以上级代码 {parent} 开头。")
            elif level != "province":
                raise RegionFileError(line, "只有省级区划可以没有上级。")
            node = _Node(code, name, level, parent)
            existing = known.get(code)
            if existing is None:
                known[code] = node
            elif existing.level != level or existing.parent != parent:
                raise RegionFileError(
                    line, f"区划代码 {code} 已存在，但级别或上级不同；不支持移动区划。"
                )
            rows.append(node)
    return rows


def _stored_nodes(cursor) -> dict[str, _Node]:
    cursor.execute(
        "SELECT r.code, r.name, r.level, COALESCE(p.code, ''), r.id, r.tree_id, r.lft,"
        " r.rght, r.depth FROM villages_region r"
        " LEFT JOIN villages_region p ON p.id = r.parent_id"
    )
    return {row[0]: _Node(*row) for row in cursor}


def _number_tree(nodes: dict[str, _Node]) -> None:
    """Assign tree_id/lft/rght/depth as django-mptt would, children ordered by code."""
    children: dict[str, list[_Node]] = defaultdict(list)
    for code in sorted(nodes):
        node = nodes[code]
        children[node.parent].append(node)
    for tree_id, root in enumerate(children[""], start=1):
        counter = 1
        stack = [(root, 0, False)]
        while stack:
            node, depth, closing = stack.pop()
            if closing:
                node.rght = counter
                counter += 1
                continue
            node.tree_id, node.lft, node.depth = tree_id, counter, depth
            counter += 1
            stack.append((node, depth, True))
            kids = children.get(node.code)
            if kids:
                stack.extend((child, depth + 1, False) for child in reversed(kids))


def _write(cursor, statement: str, rows: list[tuple]) -> None:
    """Run one of WRITES over rows in batches: executemany on SQLite; on PostgreSQL
    execute_values (many rows per statement), as psycopg2's executemany is one round trip
    per row. cursor.cursor is psycopg2's own cursor under Django's: the same transaction."""
    if not rows:
        return
    one_row_sql, values_sql = WRITES[statement]
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        execute_values(cursor.cursor, values_sql, rows, page_size=BATCH)
    else:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(one_row_sql, rows[start : start + BATCH])


def load_regions(path: Path) -> LoadResult:
    """Load or update the region tree from a CSV or CSV.GZ file; all or nothing."""
    path = Path(path)
    result = LoadResult()
    with transaction.atomic(), connection.cursor() as cursor:
        stored = _stored_nodes(cursor)
        nodes = dict(stored)
        rows = read_region_file(path, nodes)
        renamed, new_nodes = [], []
        for node in rows:
            old = stored.get(node.code)
            if old is None:
                new_nodes.append(node)
            elif old.name != node.name:
                old.name = node.name
                renamed.append((node.name, old.id))
        _write(cursor, "rename", renamed)
        shifted = []
        if new_nodes:  # without new codes the stored numbering stays as it is
            before = [(node, node.tree) for node in stored.values()]
            _number_tree(nodes)
            by_level = defaultdict(list)
            for node in new_nodes:
                by_level[node.level].append(node)
            # Level by level, so that each level's parents already have ids.
            levels = [level for level in LEVEL_ORDER if level in by_level]
            for index, level in enumerate(levels):
                batch = by_level[level]
                _write(
                    cursor,
                    "insert",
                    [
                        (n.code, n.name, n.level, nodes[n.parent].id if n.parent else None, *n.tree)
                        for n in batch
                    ],
                )
                result.by_level[level] = len(batch)
                if index + 1 < len(levels):
                    cursor.execute("SELECT code, id FROM villages_region WHERE level = %s", [level])
                    for code, pk in cursor:
                        nodes[code].id = pk
            shifted = [(*node.tree, node.id) for node, tree in before if node.tree != tree]
            _write(cursor, "renumber", shifted)
            if connection.vendor == "postgresql":
                # Planner statistics now, not when autovacuum gets to it: without them the
                # region pages' counts are planned for far more rows than they read.
                cursor.execute("ANALYZE villages_region")
    result.added, result.renamed, result.moved_in_tree = (
        len(new_nodes),
        len(renamed),
        len(shifted),
    )
    result.unchanged = len(rows) - result.added - result.renamed
    return result
