"""Checks of typed text that every app shares: a reason, a mobile number."""

from __future__ import annotations

import re

from .errors import ActionError

# A mainland mobile number: 11 digits starting 13-19 (MOBILE: the part other patterns are
# built from, e.g. the household's phone that may be a landline, or the search for private
# numbers in free text).
MOBILE = r"1[3-9]\d{9}"
PHONE_PATTERN = rf"^{MOBILE}$"
PHONE_RE = re.compile(PHONE_PATTERN)


def clean_reason(
    reason: str | None,
    what: str = "原因",
    *,
    limit: int = 200,
    field: str | None = "reason",
    required: bool = True,
    missing: str | None = None,
    error: type[ActionError] = ActionError,
) -> str:
    """The reason stripped; refused with `error` when empty (if required; `missing` is the
    message then, 请填写{what} by default) or longer than `limit` characters."""
    reason = (reason or "").strip()
    if required and not reason:
        raise error(missing or f"请填写{what}。", field)
    if len(reason) > limit:
        raise error(f"{what}不能超过 {limit} 字。", field)
    return reason
