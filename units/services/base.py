"""What every units action shares: the domain error, a reason's check."""

from __future__ import annotations

from poverty_system.core import text
from poverty_system.core.errors import ActionError


class UnitError(ActionError):
    """A refused units action; `field` says where a form shows it."""


def clean_reason(reason: str, what: str = "原因", limit: int = 200) -> str:
    return text.clean_reason(reason, what, limit=limit, error=UnitError)
