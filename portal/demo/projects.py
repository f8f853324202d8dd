"""The projects part of `make run`: a few projects of 于都县 taken through the real actions,
so the demo accounts find the library at every stage (仓前村 proposes, 贡江镇 reviews, 于都县
enters, approves, announces, funds and accepts). Idempotent: skipped once the demo
projects exist."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from households.models import Household
from poverty_system.core.actor import Actor
from projects.models import Project
from projects.services import beneficiaries, funds, library
from villages.models import Region, User, VillagePhone

from .accounts import COUNTY, DEMO_OFFICES, DEMO_PHONES

DEMO_NAMES = ("仓前村脐橙产业基地", "仓前村组道路硬化", "仓前村光伏电站", "仓前村农技培训")


def _png() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (240, 240, 230)).save(out, "PNG")
    return ContentFile(out.getvalue(), name="notice.png")


def _pdf() -> ContentFile:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return ContentFile(body, name="doc.pdf")


def _days(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def _data(code: str) -> dict:
    return {
        "propose": {
            "doc_date": _days(20),
            "notice_start": _days(18),
            "notice_end": _days(3),
            "note": "经村两委会议和村民代表大会通过",
            "files": {"meeting": _pdf(), "notice_photo": _png()},
        },
        "review": {"note": "公示无异议，同意上报"},
        "store": {"note": "县农业农村局论证：符合产业发展规划，同意入库"},
        "approve": {
            "doc_number": f"于乡振字〔{_days(0).year}〕8号",
            "doc_date": _days(2),
            "files": {"approval": _pdf()},
        },
        "announce": {"doc_date": _days(1)},
        "start": {"doc_date": _days(0)},
        "accept": {"doc_date": _days(0), "note": "验收合格", "files": {"acceptance": _pdf()}},
    }[code]


BASE = {
    "year": 2026,
    "subcategory": "",
    "nature": "new",
    "responsible_unit": "于都县乡村振兴局",
    "responsible_person": "刘主任",
    "goal_people": 30,
}


def ensure_projects_demo() -> dict:
    if Project.objects.filter(name__in=DEMO_NAMES).exists():
        return {"projects": 0}
    by_role = {role: User.objects.get(username=u) for u, role, _, _ in DEMO_OFFICES}
    village_account = by_role["village"]
    phone = VillagePhone.objects.filter(phone=DEMO_PHONES[0][0]).first()
    village = Actor(village_account, phone)
    township, county = Actor.system(by_role["township"]), Actor.system(by_role["county"])
    region = Region.objects.get(code=DEMO_OFFICES[3][3])
    county_region = Region.objects.get(code=COUNTY)
    who = {"propose": village, "review": township}

    def make(name, category, content, budget, until, **extra):
        data = {**BASE, "name": name, "category": category, "content": content, **budget, **extra}
        project = library.create_project(village, region, data)
        for code in ("propose", "review", "store", "approve", "announce", "start", "accept"):
            if code == until:
                return project
            library.take_step(who.get(code, county), project.pk, code, _data(code))
        return project

    industry = make(
        DEMO_NAMES[0],
        "industry",
        "新建脐橙标准化种植基地 200 亩，配套水肥一体化设施",
        {"budget_central": Decimal("1200000"), "budget_county": Decimal("300000")},
        "accept",
        scale="200 亩",
        link_mechanism="务工就业、土地流转、村集体入股分红",
        subsidy_standard="每亩补助 6000 元",
    )
    make(
        DEMO_NAMES[1],
        "infrastructure",
        "硬化组道 3.2 公里，宽 3.5 米",
        {"budget_central": Decimal("640000")},
        "review",
        scale="3.2 公里",
    )
    solar = make(
        DEMO_NAMES[2],
        "industry",
        "建设村级光伏电站 100 千瓦",
        {"budget_province": Decimal("500000")},
        None,
        scale="100 千瓦",
        link_mechanism="发电收益用于公益岗位和脱贫户分红",
    )
    make(
        DEMO_NAMES[3],
        "education",
        "组织脐橙种植技术培训 2 期",
        {"budget_county": Decimal("40000")},
        "propose",
    )
    for kind, amount, project in (
        ("received", "2000000", None),
        ("arranged", "1200000", industry),
        ("disbursed", "360000", industry),  # a 30% advance on the contract
        ("spent", "300000", industry),
    ):
        funds.record(
            county,
            county_region,
            kind=kind,
            source="central",
            amount=amount,
            date=_days(0),
            doc_number="赣财农指〔2026〕12号",
            project=project,
        )
    funds.record(
        county,
        county_region,
        kind="received",
        source="province",
        amount="500000",
        date=_days(0),
        doc_number="赣财农指〔2026〕20号",
    )
    funds.record(
        county,
        county_region,
        kind="arranged",
        source="province",
        amount="500000",
        date=_days(0),
        doc_number="赣财农指〔2026〕20号",
        project=solar,
    )
    ids = list(
        Household.objects.filter(village_code=region.code, status__in=beneficiaries.ELIGIBLE)
        .order_by("number")
        .values_list("pk", flat=True)[:12]
    )
    if ids:
        beneficiaries.add(county, industry.pk, ids, "job")
        beneficiaries.add(county, solar.pk, ids[:6], "dividend")
    return {"projects": len(DEMO_NAMES), "beneficiaries": len(ids)}
