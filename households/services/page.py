"""What the household page offers a session (claim, cancel the claim, edit, change members),
decided by the access layer and the actions' own rules: the template shows what is decided
here and decides nothing itself."""

from dataclasses import dataclass

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import EDIT_HOUSEHOLDS, REPORT_LEADS

from ..access import can_cancel_claims, can_claim
from ..choices import HouseholdStatus
from ..lifecycle import may_rollback
from ..models import Claim, Household
from .base import edit_refusal


@dataclass(frozen=True)
class PageActions:
    claim: bool
    cancel_claim: bool
    edit: bool
    # 新增成员 and 分户 once registered; while registering, members are entered in part 1.
    change_members: bool
    refusal: str | None  # why this village session may not edit; offices are not told
    # 综合回退 (the assessment app's page, linked by URL name): offices that mark exits or
    # returns; that page says when the last change cannot be rolled back.
    rollback: bool = False
    # 上报监测线索 (the monitoring app's page, linked by URL name): the page is in the
    # account's scope already; the role decides.
    report_lead: bool = False

    @property
    def any(self) -> bool:
        return self.claim or self.cancel_claim or self.edit or self.report_lead


def page_actions(actor: Actor, household: Household, claim: Claim | None) -> PageActions:
    """`claim` is the household's active claim (with its phone), as the page loaded it."""
    refusal = edit_refusal(actor, household, claim)
    edit = refusal is None
    return PageActions(
        claim=(
            claim is None
            and household.status != HouseholdStatus.REMOVED
            and can_claim(actor.user, household)
        ),
        cancel_claim=claim is not None and can_cancel_claims(actor.user, household),
        edit=edit,
        change_members=edit and household.status != HouseholdStatus.REGISTERING,
        refusal=refusal if access.role_allows(actor.user, EDIT_HOUSEHOLDS) else None,
        rollback=household.status != HouseholdStatus.REGISTERING
        and may_rollback(actor.user, household),
        report_lead=household.status != HouseholdStatus.REMOVED
        and access.role_allows(actor.user, REPORT_LEADS),
    )


def record_reveal(actor: Actor, household: Household) -> None:
    """显示完整信息: the full ID numbers, phone and bank account of one household were shown to
    a reader of its page (the view has checked the slice): who, when, which, one audit entry
    per kind."""
    members = household.members.count()
    audit.record(actor, audit.REVEAL_ID, obj=household, detail={"members": members})
    if household.phone:
        audit.record(actor, audit.REVEAL_PHONE, obj=household)
    if household.bank_account:
        audit.record(actor, audit.REVEAL_BANK, obj=household)
