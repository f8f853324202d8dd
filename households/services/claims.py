"""认领 (procedure 2): a village account's verified phone takes charge of a household; a
wrong claim is cancelled by the township office with a reason and can be claimed again.

At most one active claim per household is the database's rule (a partial unique index):
claim_household does not look before it inserts, so two claims at the same moment both
reach the index and exactly one wins; the other is told who holds the household.
"""

from django.db import IntegrityError, transaction

from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import CLAIM_HOUSEHOLDS
from poverty_system.core.text import clean_reason

from ..access import can_cancel_claims, can_claim, get_household_for_user
from ..choices import HouseholdStatus
from ..models import Claim, Household
from .base import EditRefused, HouseholdError, active_claim, require_phone

REASON_MAX = 200


def claim_household(actor: Actor, household: Household) -> Claim:
    household = get_household_for_user(actor.user, household.pk, CLAIM_HOUSEHOLDS)
    if not can_claim(actor.user, household):
        raise EditRefused("只有村级账号可以认领贫困户。")
    phone = require_phone(actor)
    if household.status == HouseholdStatus.REMOVED:
        raise HouseholdError("该户已清退，不能认领。")
    try:
        with transaction.atomic(durable=True):
            claim = Claim.objects.create(household=household, account=actor.account, phone=phone)
            audit.record(actor, audit.CLAIM, obj=household)
            return claim
    except IntegrityError:
        holder = active_claim(household)
        if holder is None:
            raise HouseholdError("认领未成功，请重试。") from None
        if actor.phone is not None and holder.phone_id == actor.phone.pk:
            raise HouseholdError("该户已由本手机号认领。") from None
        raise HouseholdError(
            f"认领失败：该户已由手机号 {holder.phone.masked}（{holder.phone.holder}）认领。"
            "如认领有误，请联系乡镇扶贫办取消认领。"
        ) from None


def cancel_claim(actor: Actor, household: Household, reason: str) -> Claim:
    """The township office undoes a wrong claim; the claim row stays as history."""
    household = get_household_for_user(actor.user, household.pk)  # 404 outside the slice
    if not can_cancel_claims(actor.user, household):  # 403 with the reason inside it
        raise EditRefused("只有乡镇扶贫办可以取消认领。")
    reason = clean_reason(
        reason, "取消原因", limit=REASON_MAX, missing="请填写取消认领的原因。", error=HouseholdError
    )
    with transaction.atomic(durable=True):
        claim = Claim.objects.select_for_update().active().filter(household=household).first()
        if claim is None:
            raise HouseholdError("该户当前没有有效的认领。")
        claim.end(actor, reason)
        claim.save(update_fields=list(Claim.END_FIELDS))
        audit.record(actor, audit.CLAIM_CANCEL, obj=household, detail={"claim": claim.pk})
    return claim
