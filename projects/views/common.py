"""Helpers shared by the project views."""

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

EDIT_ERRORS = (ActionError,)
__all__ = ["EDIT_ERRORS", "show_error"]

project_readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.UNIT)
fund_readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP)
