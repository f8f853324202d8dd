"""A demo import file for 数据导入: households of a village in the template's layout, with
ID numbers that pass the check digit and that no member of the database holds yet.

    .venv/bin/python manage.py make_import_demo                       # var/demo/仓前村导入示例.xlsx
    .venv/bin/python manage.py make_import_demo --households 50 --village 仓前村 out.xlsx

Log in as the village account of `make run` (cangqian_village), open 贫困户信息管理 ›
数据导入 and upload it; upload it once more to see that a second import writes nothing.
With --errors the file also has rows with mistakes, to see the report.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from openpyxl import Workbook
from stdnum.cn import ric

from households.models import Member

from ...template import TITLE, header_columns

AREA = "360731"  # 于都县
SURNAMES = "刘钟曾谢黄陈李张王罗肖邱温赖"
GIVEN = "春华明秀英金生水根发兰香桂林福贵平安德"


class Command(BaseCommand):
    help = "生成数据导入的演示文件（导入模板格式）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default="")
        parser.add_argument("--households", type=int, default=10)
        parser.add_argument("--village", default="仓前村")
        parser.add_argument("--seed", type=int, default=9)
        parser.add_argument("--errors", action="store_true", help="也写几行有错误的数据")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"] or Path(settings.VAR_DIR) / "demo" / "仓前村导入示例.xlsx")
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = demo_rows(options["households"], options["village"], options["seed"])
        if options["errors"]:
            rows += error_rows(options["village"])
        write(path, rows)
        self.stdout.write(f"已生成 {path}（{len(rows)} 行）。")


def _ids(rng: random.Random, count: int) -> list[str]:
    taken: set[str] = set()
    found: list[str] = []
    while len(found) < count:
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 60))
        body = f"{AREA}{born:%Y%m%d}{rng.randrange(900, 1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            taken.add(number)
            found.append(number)
    held = set(Member.objects.filter(id_number__in=found).values_list("id_number", flat=True))
    return [n for n in found if n not in held] + (_ids(rng, len(held)) if held else [])


def demo_rows(households: int, village: str, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    ids = iter(_ids(rng, households * 4))
    rows = []
    for n in range(1, households + 1):
        surname = rng.choice(SURNAMES)
        size = rng.randint(1, 4)
        common = {
            "户编号": str(n),
            "行政村": village,
            "自然村": f"第{rng.randint(1, 6)}组",
            "人数": size,
            "贫困户属性": rng.choice(["一般贫困户", "一般贫困户", "低保贫困户"]),
            "主要致贫原因": rng.choice(["因病", "因残", "因学", "缺技术", "缺劳力"]),
            "联系电话": f"13{rng.randint(500000000, 999999999)}",
            "耕地面积（亩）": rng.choice([1, 1.5, 2, 3.5]),
            "工资性收入": rng.randrange(2000, 12000, 500),
            "生产经营性收入": rng.randrange(0, 3000, 100),
            "低保金": rng.choice([0, 0, 1800]),
            "生产经营性支出": rng.randrange(0, 1000, 100),
        }
        relations = ["户主", "配偶", "之子", "之女"][:size]
        for relation in relations:
            name = (
                surname + "".join(rng.sample(GIVEN, 2))
                if relation != "配偶"
                else (rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)))
            )
            rows.append(
                {
                    **common,
                    "姓名": name,
                    "证件号码": next(ids),
                    "与户主关系": relation,
                    "民族": "汉族",
                    "文化程度": rng.choice(["小学", "初中", "高中"]),
                    "健康状况": rng.choice(["健康", "健康", "长期慢性病"]),
                    "劳动技能": "普通劳动力",
                    "务工状况": rng.choice(["未务工", "县外省内务工", "省外务工"]),
                }
            )
    return rows


def error_rows(village: str) -> list[dict[str, Any]]:
    """A household with a wrong check digit, an unknown label and a text for a number."""
    return [
        {
            "户编号": "错1",
            "行政村": village,
            "姓名": "示例错误",
            "证件号码": "360731198001010011",
            "与户主关系": "表哥",
            "耕地面积（亩）": "三亩",
        }
    ]


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    headers = [c.name for c in header_columns()]
    book = Workbook()
    sheet = book.active
    sheet.title = "贫困人口花名册"
    sheet.append([TITLE])
    sheet.append(["演示数据，由 manage.py make_import_demo 生成"])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h.lstrip("*"), "") for h in headers])
    for cells in sheet.iter_rows(min_row=4):
        for cell in cells:
            cell.number_format = "@" if isinstance(cell.value, str) else cell.number_format
    book.save(path)
