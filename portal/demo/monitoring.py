"""The monitoring part of `make run`: one monitored household (监测对象) in 于都县 仓前村, a
family never registered as poor (边缘易致贫户) reported by the village, visited with its signed
承诺授权书, taken through the monitoring chain to 公告 and given a 健康扶贫 measure for its
因病 risk. Every step is the real action; a second run changes nothing."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from stdnum.cn import ric

from households import services as households
from identification import services as identification
from identification.states import StepInput
from monitoring import identify, measures
from monitoring.choices import Category, Channel, RiskKind
from monitoring.leads import Report, receive
from monitoring.models import Monitored
from poverty_system.core.actor import Actor
from villages.models import Region, User, VillagePhone

from .accounts import DEMO_OFFICES, DEMO_PHONES, VILLAGE

HEAD = "邱永福"


def _id_number() -> str:
    body = "36073119680412881"
    return body + ric.calc_check_digit(body + "0")


def _consent() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(out, "PNG")
    return SimpleUploadedFile("承诺授权书.png", out.getvalue(), content_type="image/png")


def _days(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def ensure_monitoring_demo() -> dict[str, int]:
    village = Region.objects.filter(code=VILLAGE).first()
    if village is None or Monitored.objects.filter(household__head_name=HEAD).exists():
        return {"monitored": 0}
    by_role = {role: User.objects.get(username=u) for u, role, _, _ in DEMO_OFFICES}
    phone = VillagePhone.objects.filter(phone=DEMO_PHONES[0][0]).first()
    village_actor = Actor(by_role["village"], phone)
    township, county = Actor(by_role["township"]), Actor(by_role["county"])
    head = {
        "name": HEAD,
        "id_number": _id_number(),
        "relation": "head",
        "ethnicity": "汉族",
        "education": "junior",
        "school_status": "none",
        "health": "serious",
        "labour": "ordinary",
        "work_status": "none",
        "months_away": 0,
        "has_basic_medical": True,
        "has_serious_illness": True,
        "has_pension": False,
    }
    basic = {"group": "第三组", "attribute": "general", "standard": "national"}
    household = households.start_registration(village_actor, village, basic, [head])
    with transaction.atomic():
        lead, _ = receive(
            village_actor,
            Report(
                village, Channel.CADRE, "户主突发重病住院，自付医疗费用较高", household=household
            ),
        )
    monitored = identify.start(
        village_actor,
        lead.pk,
        category=Category.MARGINAL,
        risks=[RiskKind.ILLNESS],
        data=StepInput(opinion="入户核实，情况属实", date=_days(25), files=[_consent()]),
    )
    steps = [
        ("m_check", county, StepInput(opinion="比对无问题")),
        ("m_village", village_actor, StepInput(opinion="民主评议通过，公示无异议",
                                              start_date=_days(24), end_date=_days(18))),
        ("m_township", township, StepInput(opinion="同意")),
        ("m_county", county, StepInput(opinion="批准纳入监测")),
        ("m_notice", county, StepInput(opinion="公告", start_date=_days(17))),
    ]  # fmt: skip
    for code, actor, data in steps:
        identification.advance(actor, monitored.case_id, code, data)
    measures.add_measure(
        village_actor,
        monitored.pk,
        risk=monitored.risks.get().pk,
        kind="health",
        amount="3000",
        start_date=_days(10),
        description="落实大病保险和医疗救助，家庭医生签约服务",
    )
    return {"monitored": 1}
