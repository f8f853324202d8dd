"""What every household action shares: the domain error, the edit check (only the phone that
holds the claim edits, procedure 2 of the manual), the row lock with the version check, and
saving a household with its change-log row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied

from poverty_system.core import changelog
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import EDIT_HOUSEHOLDS
from poverty_system.core.versioning import StaleEdit, bump, check_version, parse_version

from ..access import can_maintain_household, get_household_for_user
from ..choices import HouseholdStatus, Relation
from ..models import Claim, Household, Member

if TYPE_CHECKING:
    from villages.models import VillagePhone

# A member row of a form: the field values; with the saved Member when it exists.
Row = dict[str, Any]
MemberRows = list[tuple[Member | None, Row]]
# (formset row or None, ID number) of the ID numbers in one submission.
IdNumbers = Sequence[tuple[int | None, str]]


class HouseholdError(ActionError):
    """A refused household action; `field` (and `row` for a member row of a formset) says
    where the form should show it."""


class EditRefused(PermissionDenied):
    """403 with a message saying why this session may not edit the household."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def active_claim(household: Household) -> Claim | None:
    return Claim.objects.active().filter(household=household).select_related("phone").first()


def can_edit(actor: Actor, household: Household, claim_phone_id: int | None) -> bool:
    """Only a village session verified with the phone holding the active claim may edit.
    `claim_phone_id` is that claim's phone (None: unclaimed); lists carry it on each row."""
    return (
        can_maintain_household(actor.user, household)
        and household.status != HouseholdStatus.REMOVED
        and actor.phone is not None
        and claim_phone_id == actor.phone.pk
    )


def edit_refusal(actor: Actor, household: Household, claim: Claim | None) -> str | None:
    """Why this session may not edit the household (see can_edit), or None; `claim` is its
    active claim, with its phone."""
    if can_edit(actor, household, claim.phone_id if claim else None):
        return None
    if not can_maintain_household(actor.user, household):
        return "贫困户信息只能由本村村级账号修改，您的账号只能查看。"
    if household.status == HouseholdStatus.REMOVED:
        return "该户已清退，不能再修改。"
    if claim is None:
        return "该户尚未认领，请先在【贫困户认领管理】中认领后再修改。"
    return (
        f"该户已由手机号 {claim.phone.masked}（{claim.phone.holder}）认领，"
        "只有用该手机号验证登录本村账号后才能修改。"
    )


def check_can_edit(actor: Actor, household: Household) -> Claim:
    """The household's active claim, or EditRefused (403) saying why this session may not
    edit it."""
    claim = active_claim(household)
    refusal = edit_refusal(actor, household, claim)
    if refusal is not None or claim is None:
        raise EditRefused(refusal or "该户尚未认领。")
    return claim


def lock_for_edit(
    actor: Actor, household: Household, version: Any = None, *, check: bool = False
) -> Household:
    """Inside a transaction: the household row re-read and locked, the session allowed, and
    (when `check` or a version is given) the form's version compared with the row's."""
    locked = get_household_for_user(
        actor.user,
        household.pk,
        EDIT_HOUSEHOLDS,
        queryset=Household.objects.select_for_update(of=("self",)).select_related("village"),
    )
    check_can_edit(actor, locked)
    if version is not None:
        check_household_version(locked, version)
    return locked


def check_household_version(locked: Household, version: Any) -> None:
    expected = parse_version(version)
    if expected == locked.version:
        return
    from ..changelog import changes_since

    try:
        check_version(locked, version, what="该户信息")
    except StaleEdit as exc:
        exc.changes = changes_since(locked, expected or 0)
        raise


def require_phone(actor: Actor) -> VillagePhone:
    """The session's verified phone of this village account, or EditRefused."""
    phone = actor.phone
    if phone is None or phone.account_id != actor.user.pk or not phone.active:
        raise EditRefused("请用本村登记的手机号验证登录后再操作。")
    return cast("VillagePhone", phone)


def save_household(
    actor: Actor, household: Household, *, reason: str = "", changed: bool = True
) -> None:
    """Save an edited household: its version goes up; a change-log row when fields changed
    (a change only to its members is logged on the members' rows)."""
    bump(household)
    if changed:
        changelog.save(actor, household, reason=reason)
    else:
        household.save(update_fields=["version"])


def assign(obj: Any, data: dict[str, Any]) -> list[str]:
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
