"""Which permission each 数据质量 page and action needs (poverty_system.core.roles declares which
roles hold them): reading the problems of the slice, running the pack on demand (county and
city offices), switching a rule off for the county (the county office)."""

from __future__ import annotations

from poverty_system.core.roles import READ_PROBLEMS, RUN_QUALITY_CHECKS, SWITCH_QUALITY_RULES, Role

RUN_CHECKS = RUN_QUALITY_CHECKS
SWITCH_RULES = SWITCH_QUALITY_RULES

# Roles that see 数据质量检查: the offices and the village (its own village's problems).
READER_ROLES = (Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)

__all__ = ["READ_PROBLEMS", "READER_ROLES", "RUN_CHECKS", "SWITCH_RULES"]
