"""Loading the region tree from the national statistics CSV (code,name,level,parent_code).

The whole country is 665,276 rows. django-mptt's per-row inserts or rebuild() take many
minutes, so the tree fields (tree_id, lft, rght, depth) are computed here in one pass and
written with batched raw SQL. Re-running updates names and adds new codes; a bad file is
refused with its line number before anything is written.
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


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_region_file(path: Path, known: dict[str, _Node]) -> list[_Node]:
    """Parse and validate the file against itself and the regions already stored."""
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
            raw_code, name, level, raw_parent = (value.strip() for value in record)
            if level not in LEVEL_RANK:
                raise RegionFileError(line, f"未知的级别“{level}”。")
            digits = LEVEL_DIGITS[level]
            if not (raw_code.isdigit() and len(raw_code) == digits):
                raise RegionFileError(line, f"{level} 级区划代码应为 {digits} 位数字：“{raw_code}”。")
            if not name:
                raise RegionFileError(line, "名称不能为空。")
            code = raw_code
            if code in seen:
                raise RegionFileError(line, f"区划代码 {raw_code} 重复（第 {seen[code]} 行已有）。")
            seen[code] = line
            parent = ""
            if raw_parent:
                parent = raw_parent
                parent_node = known.get(parent)
                if parent_node is None:
                    raise RegionFileError(line, f"上级区划代码 {raw_parent} 不存在。")
                if LEVEL_RANK[level] <= LEVEL_RANK[parent_node.level]:
                    raise RegionFileError(
                        line, f"{level} 不能位于 {parent_node.level} 之下：下级必须低于上级。")
                if not raw_code.startswith(raw_parent):
                    raise RegionFileError(line, f"区划代码 {raw_code} 不以上级代码 {raw_parent} 开头。")
            elif level != "province":
                raise RegionFileError(line, "只有省级区划可以没有上级。")
            node = _Node(code=code, name=name, level=level, parent=parent)
            existing = known.get(code)
            if existing is not None and (existing.level != level or existing.parent != parent):
                raise RegionFileError(
                    line, f"区划代码 {raw_code} 已存在，但级别或上级不同；不支持移动区划。")
            known[code] = node if existing is None else existing
            rows.append(node)
    return rows


def _stored_nodes() -> dict[str, _Node]:
    nodes: dict[str, _Node] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.code, r.name, r.level, COALESCE(p.code, ''), r.tree_id, r.lft,"
            " r.rght, r.depth FROM villages_region r"
            " LEFT JOIN villages_region p ON p.id = r.parent_id")
        for row in cursor.fetchall():
            nodes[row[1]] = _Node(id=row[0], code=row[1], name=row[2], level=row[3],
                                  parent=row[4], tree_id=row[5], lft=row[6], rght=row[7],
                                  depth=row[8])
    return nodes


def _number_tree(nodes: dict[str, _Node]) -> None:
    """Assign tree_id/lft/rght/depth as django-mptt would, children ordered by code."""
    children: dict[str, list[str]] = defaultdict(list)
    for code in sorted(nodes):
        children[nodes[code].parent].append(code)
    for tree_id, root in enumerate(children[""], start=1):
        counter = 1
        stack = [(root, 0, False)]
        while stack:
            code, depth, closing = stack.pop()
            node = nodes[code]
            if closing:
                node.rght = counter
                counter += 1
                continue
            node.tree_id, node.lft, node.depth = tree_id, counter, depth
            counter += 1
            stack.append((code, depth, True))
            for child in reversed(children.get(code, ())):
                stack.append((child, depth + 1, False))


def _executemany(cursor, sql: str, rows: list[tuple]) -> None:
    for start in range(0, len(rows), BATCH):
        cursor.executemany(sql, rows[start:start + BATCH])


def load_regions(path: Path) -> LoadResult:
    """Load or update the region tree from a CSV or CSV.GZ file; all or nothing."""
    path = Path(path)
    with transaction.atomic():
        stored = _stored_nodes()
        before = {code: (n.tree_id, n.lft, n.rght, n.depth) for code, n in stored.items()}
        known = dict(stored)
        rows = read_region_file(path, known)
        result = LoadResult()
        renamed = []
        for node in rows:
            old = stored.get(node.code)
            if old is None:
                continue
            if old.name != node.name:
                old.name = node.name
                renamed.append((node.name, old.id))
            else:
                result.unchanged += 1
        new_nodes = [n for n in rows if n.code not in stored]
        nodes = dict(stored)
        nodes.update({n.code: n for n in new_nodes})
        _number_tree(nodes)
        with connection.cursor() as cursor:
            _executemany(cursor, "UPDATE villages_region SET name = %s WHERE id = %s", renamed)
            # Insert level by level so each level's parents already have ids.
            for level in LEVEL_ORDER:
                batch = [n for n in new_nodes if n.level == level]
                if not batch:
                    continue
                _executemany(cursor, (
                    "INSERT INTO villages_region (code, name, level, parent_id, tree_id, lft, rght,"
                    " depth) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"), [
                    (n.code, n.name, n.level, nodes[n.parent].id if n.parent else None,
                     n.tree_id, n.lft, n.rght, n.depth) for n in batch])
                cursor.execute("SELECT code, id FROM villages_region WHERE level = %s", [level])
                for code, pk in cursor.fetchall():
                    nodes[code].id = pk
                result.by_level[level] = len(batch)
            shifted = [(n.tree_id, n.lft, n.rght, n.depth, n.id) for code, n in stored.items()
                       if before[code] != (n.tree_id, n.lft, n.rght, n.depth)]
            _executemany(cursor, "UPDATE villages_region SET tree_id = %s, lft = %s, rght = %s,"
                                 " depth = %s WHERE id = %s", shifted)
        result.added, result.renamed, result.moved_in_tree = (
            len(new_nodes), len(renamed), len(shifted))
    return result
