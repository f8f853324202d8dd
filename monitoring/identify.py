"""识别: a lead's household taken into the monitoring chain (monitoring.chains).

`start` is the village's 入户核实 of a lead: the 监测对象 row (识别中, the line of the county's
year), its risks, the identification case of the monitoring chain with its first step done
and the household's signed 承诺授权书 attached, the lead marked 已入户核实. The following steps
are the case's own (identification.services.advance, on the case page); 公告 applies the
chain's effect (monitoring.chains.record_identification).

The category must fit the household: 脱贫不稳定户 is a 脱贫 household; 边缘易致贫户 and
突发严重困难户 are families never registered as poor (登记中) or monitored before (监测户).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from households.choices import HouseholdStatus as S
from households.idnumbers import mask
from households.models import Household
from identification import states
from identification.access import may_act
from identification.chains import chain_of
from identification.models import Case
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year

from .access import HANDLE_LEADS, get_row, may
from .chains import MONITORING, VISIT
from .choices import Category, LeadState, MonitorState
from .clocks import rules_for
from .errors import MonitoringError
from .leads import OPEN_STATES, clean_risks
from .models import DepartmentRow, Lead, Monitored, Risk

LIFTED = (S.LIFTED, S.LIFTED_NO_SUPPORT)
NEVER_POOR = (S.REGISTERING, S.MONITORED)


def category_refusal(category: str, status: str) -> str | None:
    """Why the category does not fit the household's status, or None."""
    if category == Category.UNSTABLE and status not in LIFTED:
        return "脱贫不稳定户须为已脱贫户。"
    if category in (Category.MARGINAL, Category.SUDDEN) and status not in NEVER_POOR:
        return f"{Category(category).label}须为未纳入贫困户的农户（该户为“{S(status).label}”）。"
    return None


def _clean(category: str, risks: Sequence[str], data: states.StepInput) -> list[str]:
    if category not in Category.values:
        raise MonitoringError("请选择监测对象类别。", "category")
    chosen = clean_risks(risks)
    if not chosen:
        raise MonitoringError("请至少选择一项风险类型。", "risks")
    if not data.files:
        raise MonitoringError("请上传农户签字的承诺授权书。", "attachments")
    return chosen


def start(
    actor: Actor,
    lead_pk: Any,
    *,
    category: str,
    risks: Sequence[str],
    data: states.StepInput,
) -> Monitored:
    """入户核实 of a lead (HANDLE_LEADS on its village; the step itself is the village's):
    the 监测对象 row, its risks and the identification case at its second step."""
    chain = chain_of(MONITORING)
    try:
        with transaction.atomic(durable=True):
            lead = get_row(Lead.objects.select_for_update(), actor.user, lead_pk)
            if not may(actor.user, HANDLE_LEADS, lead.village_code):
                raise PermissionDenied("您的账号不能处理该线索。")
            if not may_act(actor.user, VISIT.perm, lead.village_code):
                raise PermissionDenied(
                    f"【{VISIT.label}】由{VISIT.role_label}办理，您的账号不能办理。"
                )
            chosen = _clean(category, risks, data)
            if lead.state not in OPEN_STATES:
                raise MonitoringError("该线索已办结，不能再发起识别。")
            if lead.household_id is None:
                raise MonitoringError(
                    "该线索尚未关联农户：请先登记该户的家庭基本情况，再入户核实。", "household"
                )
            household = Household.objects.select_for_update().get(pk=lead.household_id)
            message = category_refusal(category, household.status) or states.start_refusal(
                chain, household
            )
            if message:
                raise MonitoringError(message, "category")
            if Monitored.objects.filter(
                household=household, state__in=(MonitorState.IDENTIFYING, MonitorState.MONITORED)
            ).exists():
                raise MonitoringError("该户已是监测对象或正在识别中。")
            year = current_year()
            target = S.MONITORED if household.status == S.REGISTERING else household.status
            case = states.open_case(actor, chain, household, target, year)
            states.do_step(actor, case, VISIT.code, data)
            monitored = Monitored(
                household=household,
                village_code=household.village_code,
                lead=lead,
                case=case,
                category=category,
                state=MonitorState.IDENTIFYING,
                year=year,
                line=rules_for(household.village_code[:6], year).line,
            )
            monitored.save()
            Risk.objects.bulk_create([Risk(monitored=monitored, kind=k) for k in chosen])
            if lead.state == LeadState.OPEN:
                lead.state, lead.visited_at = LeadState.VISITED, timezone.now()
            lead.visit_note = (data.opinion or "").strip()[:1000]
            lead.risks = chosen
            lead.version += 1
            lead.save()
            audit.record(
                actor,
                audit.MONITORING,
                obj=monitored,
                region_code=monitored.village_code,
                detail={
                    "event": "identification_started",
                    "household": household.pk,
                    "lead": lead.number,
                    "case": case.pk,
                },
            )
    except IntegrityError:
        raise MonitoringError("该户已是监测对象或已有办理中的识别程序。") from None
    return monitored


def department_hits(cases: Sequence[Case]) -> dict[int, list[dict[str, Any]]]:
    """信息比对 of monitoring cases: the department rows (部门筛查预警) matched to the
    household's members, masked; one query for any number of cases."""
    by_household = {c.household_id: c.pk for c in cases if c.kind == MONITORING}
    hits: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not by_household:
        return hits
    rows = DepartmentRow.objects.filter(member__household_id__in=list(by_household)).values(
        "member__household_id", "member__name", "id_number", "reason", "file__department"
    )
    from .choices import Department

    for row in rows:
        hits[by_household[row["member__household_id"]]].append(
            {
                "kind": "department",
                "name": row["member__name"],
                "id_number": mask(row["id_number"]),
                "detail": f"{Department(row['file__department']).label}：{row['reason']}",
            }
        )
    return hits
