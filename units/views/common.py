"""Helpers shared by the units views (no views here)."""

from poverty_system.roles import OFFICE_ROLES, Role
from poverty_system.rules import roles

PER_PAGE = 50

unit_only = roles(Role.UNIT)
cadre_only = roles(Role.CADRE)
county_only = roles(Role.COUNTY)
# Who reads pairings in a slice: offices, the administrator, villages and units.
pairing_readers = roles(Role.ADMIN, Role.UNIT, Role.VILLAGE, *OFFICE_ROLES)


# Ids beyond a database integer name nothing (the SQLite driver fails on them: a 500).
MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """A posted or queried id as an int, or None when it is not one a row can have."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def int_list(values) -> list[int]:
    return [number for number in map(as_id, values) if number is not None]
