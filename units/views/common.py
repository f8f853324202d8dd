"""Helpers shared by the units views (no views here)."""

from poverty_system.roles import OFFICE_ROLES, Role
from poverty_system.rules import roles

from ..services import UnitError

PER_PAGE = 50

unit_only = roles(Role.UNIT)
cadre_only = roles(Role.CADRE)
county_only = roles(Role.COUNTY)
# Who reads pairings in a slice: offices, the administrator, villages and units.
pairing_readers = roles(Role.ADMIN, Role.UNIT, Role.VILLAGE, *OFFICE_ROLES)


def show_error(form, exc: UnitError) -> None:
    """Put an action's refusal next to its field, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def int_list(values) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out
