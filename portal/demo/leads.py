"""The 防止返贫监测 leads part of `make run`: 于都县's 监测参数 of this year and a holiday, and a
few leads of 仓前村 from each channel (one self-reported through 一码申报, one reported by the
village from a household's page, one from department data, one merged, one overdue), so the
inbox and the home page's overdue counts have something to show. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from households.models import Household, Member
from monitoring import lead_actions, settings_actions
from monitoring.choices import Channel
from monitoring.clocks import due_dates
from monitoring.leads import Report, receive
from monitoring.models import Lead, MonitoringRules
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from villages.models import Region, User, VillagePhone

from .accounts import COUNTY, DEMO_OFFICES, DEMO_PHONES, VILLAGE

DEMO_NAME = "演示申报人"
OVERDUE_DAYS = 10


def _demo_id(seq: int) -> str:
    from stdnum.cn import ric

    body = f"36073119850101{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def ensure_leads_demo() -> dict[str, int]:
    county = Region.objects.get(code=COUNTY)
    village = Region.objects.get(code=VILLAGE)
    accounts = {role: User.objects.get(username=u) for u, role, _, _ in DEMO_OFFICES}
    done = {"rules": 0, "leads": 0}
    year = current_year()
    if not MonitoringRules.objects.filter(county=county, year=year).exists():
        settings_actions.save_rules(
            Actor.system(accounts["county"]),
            county,
            year,
            {
                "line": Decimal("7800"),
                "visit_days": 3,
                "decision_days": 15,
                "publicity_days": 5,
                "elimination_months": 6,
                "measure_days": 30,
                "medical_threshold_lifted": Decimal("5000"),
                "medical_threshold_other": Decimal("20000"),
                "emergency_loss_threshold": Decimal("10000"),
            },
            version=0,
        )
        done["rules"] = 1
    if Lead.objects.filter(village_code=VILLAGE, name=DEMO_NAME).exists():
        return done
    anonymous = Actor(AnonymousUser(), via="command")
    phone = VillagePhone.objects.filter(phone=DEMO_PHONES[0][0]).first()
    village_actor = Actor.system(accounts["village"], phone=phone)
    # 农户自主申报 of a family not registered (一码申报).
    lead_actions.self_report(
        anonymous,
        village,
        name=DEMO_NAME,
        phone="13912340001",
        id_number=_demo_id(901),
        hardship="丈夫务工时摔伤住院，家里没有收入来源",
    )
    households = list(
        Household.objects.filter(village_code=VILLAGE).exclude(status="removed").order_by("pk")[:3]
    )
    if households:
        # 基层干部排查 from a household's page, then the same family self-reports: merged.
        lead_actions.report_household(
            village_actor, households[0].pk, "户主突发重病住院，医疗费用较高", ("illness",)
        )
        head = Member.objects.filter(household=households[0], active=True).first()
        if head is not None:
            lead_actions.self_report(
                anonymous,
                village,
                name=head.name,
                phone="13912340002",
                id_number=head.id_number,
                hardship="看病花了很多钱，申请帮扶",
            )
        done["leads"] += 1
    if len(households) > 1:
        # 部门筛查预警 (医保 合规自付 above the threshold).
        with transaction.atomic(durable=True):
            receive(
                Actor.system(accounts["county"]),
                Report(
                    village,
                    Channel.DEPARTMENT,
                    "医保：年度合规自付医疗费用 23,000 元，超过预警线",
                    household=households[1],
                ),
            )
        done["leads"] += 1
    # One overdue: received OVERDUE_DAYS days ago, never visited.
    old = lead_actions.report_family(
        Actor.system(accounts["township"]),
        village,
        name="演示逾期线索",
        id_number=_demo_id(902),
        phone="13912340003",
        hardship="房屋受暴雨损毁，暂住亲戚家",
        risks=("disaster",),
    )
    received = timezone.now() - datetime.timedelta(days=OVERDUE_DAYS)
    visit_due, decide_due = due_dates(received, COUNTY)
    # Demo data only: the lead's clock moved back, as if it had come in ten days ago.
    Lead.objects.filter(pk=old.pk).update(
        received_at=received, visit_due=visit_due, decide_due=decide_due
    )
    done["leads"] += 2
    return done
