"""The identification actions: each takes the Actor first, checks through the access layer
(404 outside the slice, 403 for the wrong role), runs in one durable transaction and raises
IdentificationError with the Chinese message. The step logic itself is identification.states.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from assessment.criteria import exit_check
from households.access import filter_households, get_household_for_user
from households.models import Household
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.dates import current_year
from poverty_system.core.ids import ids_or_404
from poverty_system.core.versioning import bump, check_version
from villages.models import Region

from . import states
from .access import EDIT_RULES, filter_by_code, get_scoped, may_act, may_mark_key
from .chains import CHECK, EXIT, EXIT_COUNTY, EXIT_TARGETS, NOTICE, chain_of
from .checks import check_hits
from .errors import IdentificationError

__all__ = ["IdentificationError"]
from .models import Case, CountyRules, KeyHousehold
from .states import StepInput

BATCH_MAX = 500


def _lock_case(actor: Actor, pk: Any) -> Case:
    case: Case = get_scoped(Case.objects.select_for_update(), actor.user, pk)
    return case


def start_case(
    actor: Actor, household_pk: Any, kind: str, target_status: str, data: StepInput
) -> Case:
    """发起: open a case of `kind` for a household and do its first step (申请 by the village
    for 新识别/返贫; 脱贫 by the township, after the exit check)."""
    chain = chain_of(kind)
    first = chain.steps[0]
    try:
        with transaction.atomic(durable=True):
            household = get_household_for_user(
                actor.user, household_pk, queryset=Household.objects.select_for_update()
            )
            if not may_act(actor.user, first.perm, household.village_code):
                raise PermissionDenied(f"您的账号不能发起{chain.label}。")
            year = current_year()
            if kind in (EXIT, EXIT_COUNTY):
                failures = exit_check([household], year)[household.pk].failures
                if failures:
                    raise IdentificationError("未达到脱贫标准：" + "；".join(failures))
            case = states.open_case(actor, chain, household, target_status, year)
            states.do_step(actor, case, first.code, data)
    except IntegrityError:
        raise IdentificationError("该户已有办理中的识别或退出程序。") from None
    return case


def advance(actor: Actor, case_pk: Any, code: str, data: StepInput, *, version: Any = None) -> Case:
    """Do the step `code` of a case (the step's form: approve or return, opinion, dates,
    attachments). 县级比对 stores the checks' hits shown; 公告 applies the status."""
    with transaction.atomic(durable=True):
        case = _lock_case(actor, case_pk)
        step = chain_of(case.kind).step(code)
        if step is not None and not states.may_do(actor.user, case, step):
            raise PermissionDenied(f"您的账号不能办理【{step.label}】。")
        if version is not None and states.order_refusal(case, code) is None:
            check_version(case, version)
        hits = check_hits([case])[case.pk] if step is not None and step.form == CHECK else None
        household = None
        if step is not None and step.form == NOTICE and case.step == code:
            household = Household.objects.select_for_update().get(pk=case.household_id)
        states.do_step(actor, case, code, data, hits=hits, household=household)
    return case


def _ids(pks: Iterable[Any]) -> list[int]:
    ids = ids_or_404(pks)
    if not ids:
        raise IdentificationError("请勾选需要办理的户。", "cases")
    if len(ids) > BATCH_MAX:
        raise IdentificationError(f"一次最多办理 {BATCH_MAX} 户。", "cases")
    return ids


def confirm_checks(actor: Actor, case_pks: Iterable[Any], opinion: str = "") -> list[Case]:
    """县级比对, a batch: the ticked cases without any hit are confirmed together; a case with
    hits is refused in the batch (it is decided on its own page, hits in view)."""
    ids = _ids(case_pks)
    with transaction.atomic(durable=True):
        cases = list(
            filter_by_code(Case.objects.select_for_update(), actor.user)
            .filter(pk__in=ids)
            .select_related("household")
            .order_by("pk")
        )
        if len(cases) != len(ids):
            raise Http404
        hits = check_hits(cases)
        with_hits = [c for c in cases if hits[c.pk]]
        if with_hits:
            raise IdentificationError(
                f"{len(with_hits)} 户比对发现问题，请逐户查看后办理："
                + "、".join(c.household.number for c in with_hits[:20])
            )
        states.approve_many(actor, cases, "county_check", opinion.strip() or "比对无问题", hits)
    return cases


def start_exits(
    actor: Actor, household_pks: Iterable[Any], to_status: str, data: StepInput
) -> list[Case]:
    """The township's 脱贫 in a county whose exits go through 公示 (CountyRules.exit_mode):
    the ticked households pass the exit check, then an exit case starts for each."""
    if to_status not in EXIT_TARGETS:
        raise IdentificationError("请选择“脱贫”或“脱贫(不再享受政策)”。", "to_status")
    ids = _ids(household_pks)
    year = current_year()
    cases = []
    with transaction.atomic(durable=True):
        households = list(
            filter_households(Household.objects.select_for_update(), actor.user)
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(households) != len(ids):
            raise Http404
        checks = exit_check(households, year)
        refused = [
            f"{h.number}：{'；'.join(checks[h.pk].failures)}"
            for h in households
            if checks[h.pk].failures
        ]
        if refused:
            raise IdentificationError("以下户未达到脱贫标准：" + " / ".join(refused[:20]))
        for household in households:
            rules = states.rules_for(household.village_code)
            if rules.exit_mode == CountyRules.ExitMode.IMMEDIATE:
                raise IdentificationError("本县脱贫由乡镇直接标注，请在【贫困户脱贫情况】中办理。")
            chain = chain_of(
                EXIT_COUNTY if rules.exit_mode == CountyRules.ExitMode.COUNTY else EXIT
            )
            first = chain.steps[0]
            if not may_act(actor.user, first.perm, household.village_code):
                raise PermissionDenied("您的账号不能发起脱贫。")
            case = states.open_case(actor, chain, household, to_status, year)
            states.do_step(actor, case, first.code, data)
            cases.append(case)
    return cases


# --- 识别规则 (county) -----------------------------------------------------------------------


def save_rules(
    actor: Actor, county: Region, values: dict[str, Any], *, version: Any = None
) -> CountyRules:
    if county.level != "county":
        raise IdentificationError("识别规则按县（区）设置。")
    from poverty_system.core import access

    access.check_region_perm(actor.user, EDIT_RULES, county)
    days = values.get("publicity_days") or 0
    if not 7 <= days <= 60:
        raise IdentificationError("公示天数须在 7 到 60 天之间。", "publicity_days")
    with transaction.atomic(durable=True):
        rules = CountyRules.objects.select_for_update().filter(county=county).first()
        if rules is None:
            rules = CountyRules(county=county)
        elif version is not None:
            check_version(rules, version)
        for name in ("publicity_days", "exit_mode", "township_phone", "county_phone"):
            setattr(rules, name, values[name])
        bump(rules)
        rules.save()
        audit.record(
            actor,
            audit.IDENTIFICATION_RULES,
            obj=rules,
            region_code=county.code,
            detail={k: str(values[k]) for k in ("publicity_days", "exit_mode")},
        )
    return rules


# --- 标注重点帮扶对象 --------------------------------------------------------------------------


def _clean_mark(reason: str, note: str) -> str:
    if reason not in KeyHousehold.Reason.values:
        raise IdentificationError("请选择重点帮扶原因。", "reason")
    note = (note or "").strip()
    if reason == KeyHousehold.Reason.OTHER and not note:
        raise IdentificationError("原因为“其他”时请填写说明。", "note")
    if len(note) > 200:
        raise IdentificationError("说明不能超过 200 字。", "note")
    return note


def mark_key(actor: Actor, household_pk: Any, reason: str, note: str = "") -> KeyHousehold:
    """标注重点帮扶对象 (404 outside the slice, 403 for a role other than the township or
    county office, then the reason checked)."""
    try:
        with transaction.atomic(durable=True):
            household = get_household_for_user(
                actor.user, household_pk, queryset=Household.objects.select_for_update()
            )
            if not may_mark_key(actor.user, household.village_code):
                raise PermissionDenied("只有乡镇或县扶贫办可以标注重点帮扶对象。")
            note = _clean_mark(reason, note)
            if KeyHousehold.objects.active().filter(household=household).exists():
                raise IdentificationError("该户已标注为重点帮扶对象。")
            mark = KeyHousehold(
                household=household,
                village_code=household.village_code,
                reason=reason,
                note=note,
                marked_by=actor.account,
            )
            mark.save()
            audit.record(actor, audit.KEY_HOUSEHOLD, obj=household, detail={"reason": reason})
    except IntegrityError:
        raise IdentificationError("该户已标注为重点帮扶对象。") from None
    return mark


def unmark_key(actor: Actor, mark_pk: Any, reason: str) -> KeyHousehold:
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        mark: KeyHousehold = get_scoped(
            KeyHousehold.objects.select_for_update(), actor.user, mark_pk
        )
        if not may_mark_key(actor.user, mark.village_code):
            raise PermissionDenied("只有乡镇或县扶贫办可以取消重点帮扶对象。")
        if not reason:
            raise IdentificationError("请填写取消原因。", "end_reason")
        if len(reason) > 200:
            raise IdentificationError("取消原因不能超过 200 字。", "end_reason")
        if not mark.active:
            raise IdentificationError("该标注已取消。")
        mark.end(actor, reason)
        mark.save(update_fields=KeyHousehold.END_FIELDS)
        audit.record(
            actor, audit.KEY_HOUSEHOLD, obj=mark.household, detail={"removed": mark.reason}
        )
    return mark
