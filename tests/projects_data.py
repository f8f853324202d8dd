"""Projects built through the real actions, with real image and PDF attachments."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from poverty_system.core.actor import Actor
from projects.services import library

TODAY = timezone.localdate


def png(name="photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name="doc.pdf") -> SimpleUploadedFile:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile(name, body, content_type="application/pdf")


PROJECT = {
    "year": 2026,
    "name": "岭背村蔬菜大棚",
    "category": "industry",
    "subcategory": "种植业",
    "nature": "new",
    "content": "新建钢架大棚 20 亩",
    "scale": "20 亩",
    "responsible_unit": "于都县农业农村局",
    "responsible_person": "张主任",
    "budget_central": Decimal("300000"),
    "budget_county": Decimal("50000"),
    "link_mechanism": "务工就业、资产收益分红",
    "goal_people": 40,
}


def make_project(world, **changes):
    return library.create_project(
        Actor(world.village_account, world.phone), world.village, {**PROJECT, **changes}
    )


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


# The data each step needs (files are made fresh for each call).
def step_data(code: str) -> dict:
    data = {
        "propose": {
            "doc_date": days_ago(14),
            "notice_start": days_ago(12),
            "notice_end": days_ago(1),
            "files": {"meeting": pdf(), "notice_photo": png()},
        },
        "review": {"note": "同意"},
        "township_return": {"note": "材料不全"},
        "store": {"note": "论证通过"},
        "county_return": {"note": "不符合入库条件"},
        "approve": {
            "doc_number": "于扶字〔2026〕12号",
            "doc_date": TODAY(),
            "files": {"approval": pdf()},
        },
        "announce": {"doc_date": TODAY()},
        "start": {"doc_date": TODAY()},
        "adjust": {"note": "调整建设地点"},
        "approve_adjustment": {
            "doc_number": "于扶字〔2026〕20号",
            "doc_date": TODAY(),
            "files": {"adjustment": pdf()},
        },
        "accept": {"doc_date": TODAY(), "note": "合格", "files": {"acceptance": pdf()}},
        "settle": {"doc_number": "BZ-001", "doc_date": TODAY()},
        "announce_result": {"doc_date": TODAY()},
        "hand_over": {"doc_date": TODAY()},
        "evaluate": {"note": "优"},
        "stop": {"note": "群众意见大"},
        "roll_over": {"note": "年度资金不足"},
    }[code]
    return data


CHAIN = [
    ("propose", "village"),
    ("review", "township"),
    ("store", "county"),
    ("approve", "county"),
    ("announce", "county"),
    ("start", "county"),
    ("accept", "county"),
    ("settle", "county"),
    ("announce_result", "county"),
    ("hand_over", "county"),
    ("evaluate", "county"),
]


def actor_for(world, who: str) -> Actor:
    return {
        "village": Actor(world.village_account, world.phone),
        "township": Actor(world.township_office),
        "county": Actor(world.county_office),
    }[who]


def walk(world, project, until: str):
    """Take the chain's steps up to and including `until`."""
    for code, who in CHAIN:
        project = library.take_step(actor_for(world, who), project.pk, code, step_data(code))
        if code == until:
            return project
    raise AssertionError(until)
