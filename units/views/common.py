"""Helpers shared by the units views (no views here)."""

from poverty_system.core.roles import OFFICE_ROLES, Role
from poverty_system.core.rules import roles

PER_PAGE = 50

unit_only = roles(Role.UNIT)
cadre_only = roles(Role.CADRE)
county_only = roles(Role.COUNTY)
# Who reads pairings in a slice: offices, the administrator, villages and units.
pairing_readers = roles(Role.ADMIN, Role.UNIT, Role.VILLAGE, *OFFICE_ROLES)
