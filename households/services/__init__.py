"""Household actions (workflow operations). Each checks permission through
poverty_system.core.access, validates, runs in one transaction, records history and raises
HouseholdError (or EditRefused, a 403) with a Chinese message. Views, commands and tests
call these functions; nothing else writes households, members, claims or statuses."""

from .base import (
    EditRefused,
    HouseholdError,
    active_claim,
    can_edit,
    check_can_edit,
    edit_refusal,
    refresh_counts,
)
from .claims import cancel_claim, claim_household
from .members import (
    MEMBER_FIELDS,
    add_member,
    check_ids_free,
    holder_message,
    holder_text,
    mask_name,
    remove_member,
)
from .page import PageActions, page_actions, record_reveal
from .registration import next_number, save_basic, save_part, start_registration
from .split import split_household
from .status import REMOVAL_CHECKS, removal_blockers, remove_household

__all__ = [
    "MEMBER_FIELDS",
    "REMOVAL_CHECKS",
    "EditRefused",
    "HouseholdError",
    "PageActions",
    "active_claim",
    "add_member",
    "can_edit",
    "cancel_claim",
    "check_can_edit",
    "check_ids_free",
    "claim_household",
    "edit_refusal",
    "holder_message",
    "holder_text",
    "mask_name",
    "next_number",
    "page_actions",
    "record_reveal",
    "refresh_counts",
    "remove_household",
    "removal_blockers",
    "remove_member",
    "save_basic",
    "save_part",
    "split_household",
    "start_registration",
]
