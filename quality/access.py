"""Which region permission each 数据质量 page and action needs. Like assessment's, they reuse
existing permissions so that no grant rows change: VIEW for reading the problems of the
slice, the county-only MANAGE_POOR_COUNTY for switching a rule off for the county,
VIEW_STATISTICS (city and county offices) for running the pack on demand."""

from __future__ import annotations

from poverty_system.roles import MANAGE_POOR_COUNTY, VIEW, VIEW_STATISTICS, Role

READ_PROBLEMS = VIEW
SWITCH_RULES = MANAGE_POOR_COUNTY
RUN_CHECKS = VIEW_STATISTICS

# Roles that see 数据质量检查: the offices and the village (its own village's problems).
READER_ROLES = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)
