"""What every units action shares: the domain error, the current year, a reason's check."""

from __future__ import annotations

from django.utils import timezone

from poverty_system.core.errors import ActionError


class UnitError(ActionError):
    """A refused units action; `field` says where a form shows it."""


def this_year() -> int:
    return timezone.localdate().year


def clean_reason(reason: str, what: str = "原因", limit: int = 200) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise UnitError(f"请填写{what}。", "reason")
    if len(reason) > limit:
        raise UnitError(f"{what}不能超过 {limit} 字。", "reason")
    return reason
