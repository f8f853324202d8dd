"""What every household action shares: the domain error, the edit check (only the phone that
holds the claim edits, procedure 2 of the manual), history stamping and recounting."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from poverty_system import access
from poverty_system.roles import CLAIM_HOUSEHOLDS, Role

from ..choices import HouseholdStatus, Relation
from ..models import Claim, Household


class HouseholdError(Exception):
    """A refusal with the Chinese message to show; `field` (and `row` for a member row of a
    formset) says where the form should show it."""

    def __init__(self, message: str, field: str | None = None, row: int | None = None):
        super().__init__(message)
        self.message, self.field, self.row = message, field, row


class EditRefused(PermissionDenied):
    """403 with a message saying why this session may not edit the household."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def active_claim(household: Household) -> Claim | None:
    return (Claim.objects.filter(household=household, active=True)
            .select_related("phone").first())


def check_can_edit(actor, household: Household, phone) -> Claim:
    """Only a village session verified with the phone holding the claim may edit."""
    if actor.role != Role.VILLAGE or not access.has_code_perm(actor, CLAIM_HOUSEHOLDS,
                                                              household.village_code):
        raise EditRefused("贫困户信息只能由本村村级账号修改，您的账号只能查看。")
    if household.status == HouseholdStatus.REMOVED:
        raise EditRefused("该户已清退，不能再修改。")
    claim = active_claim(household)
    if claim is None:
        raise EditRefused("该户尚未认领，请先在【贫困户认领管理】中认领后再修改。")
    if phone is None or claim.phone_id != phone.pk:
        raise EditRefused(f"该户已由手机号 {claim.phone.masked}（{claim.phone.holder}）认领，"
                          "只有用该手机号验证登录本村账号后才能修改。")
    return claim


def edit_refusal(actor, household: Household, phone) -> str | None:
    """Why this session may not edit the household, or None: for pages to show edit links."""
    try:
        check_can_edit(actor, household, phone)
    except EditRefused as exc:
        return exc.message
    return None


def lock_for_edit(actor, household: Household, phone) -> Household:
    """Inside a transaction: the household row re-read and locked, the session allowed."""
    locked = access.get_household_for_user(
        actor, household.pk, CLAIM_HOUSEHOLDS,
        queryset=Household.objects.select_for_update(of=("self",)).select_related("village"))
    check_can_edit(actor, locked, phone)
    return locked


def require_phone(actor, phone) -> None:
    if phone is None or phone.account_id != actor.pk or not phone.active:
        raise EditRefused("请用本村登记的手机号验证登录后再操作。")


def stamp(obj, actor, phone=None, reason: str = "") -> None:
    """Who, with which phone and why, for the history row the next save writes. The request
    (HistoryRequestMiddleware) gives the same; this also covers commands and tests."""
    obj._history_user = actor
    if phone is not None:
        obj._history_phone = phone.phone
    if reason:
        obj._change_reason = reason


def assign(obj, data: dict) -> list[str]:
    """Set attributes from data; the names of those that changed."""
    changed = []
    for name, value in data.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def refresh_counts(household: Household) -> None:
    """Household size, head name and per-capita income from the active members (not saved)."""
    members = list(household.members.filter(active=True).only("name", "relation"))
    household.size = len(members)
    head = next((m for m in members if m.relation == Relation.HEAD), None)
    if head is not None:
        household.head_name = head.name
    household.recompute_income()


def this_month():
    return timezone.localdate().replace(day=1)
