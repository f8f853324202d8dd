"""What every units action shares: the domain error, the Actor, the current year."""

from __future__ import annotations

from django.utils import timezone

from poverty_system.actor import Actor
from villages.accounts import AccountError


class UnitError(AccountError):
    """A refusal with the Chinese message to show; `field` says where a form shows it.
    (An AccountError, so account forms that create a unit show it the same way.)"""


def as_actor(who) -> Actor:
    """Actions take an Actor; commands and older callers that pass a user get a system one."""
    return Actor.of(who)


def this_year() -> int:
    return timezone.localdate().year


def clean_reason(reason: str, what: str = "原因", limit: int = 200) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise UnitError(f"请填写{what}。", "reason")
    if len(reason) > limit:
        raise UnitError(f"{what}不能超过 {limit} 字。", "reason")
    return reason


def new_account(actor: Actor, **kwargs):
    """villages.accounts.create_user with its refusal as a UnitError (field: username)."""
    from villages.accounts import create_user

    try:
        return create_user(actor.user if actor.is_authenticated else None, **kwargs)
    except UnitError:
        raise
    except AccountError as exc:
        raise UnitError(exc.message, exc.field) from None
