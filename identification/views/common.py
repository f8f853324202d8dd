"""Helpers shared by the identification views (no views here)."""

from __future__ import annotations

import datetime
from typing import Any

from poverty_system.core.roles import OFFICE_ROLES, Role
from poverty_system.core.rules import roles
from poverty_system.core.versioning import StaleEdit

from ..errors import IdentificationError
from ..states import StepInput

readers = roles(Role.VILLAGE, *OFFICE_ROLES)
ERRORS = (IdentificationError, StaleEdit)


def parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


class BadDate(IdentificationError):
    pass


def step_input(request: Any) -> StepInput:
    """A step's form from the POST: refuses a date it cannot read (next to the field)."""
    values = {}
    for name, label in (("date", "日期"), ("start_date", "开始日期"), ("end_date", "结束日期")):
        raw = request.POST.get(name, "").strip()
        values[name] = parse_date(raw)
        if raw and values[name] is None:
            raise BadDate(f"{label}格式不正确（例如 2026-03-01）。", name)
    return StepInput(
        approve=request.POST.get("decision", "approve") not in ("return", "decline"),
        decline=request.POST.get("decision") == "decline",
        opinion=request.POST.get("opinion", ""),
        files=request.FILES.getlist("attachments"),
        **values,
    )
