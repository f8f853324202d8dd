"""Helpers shared by the project views."""

from poverty_system.roles import Role
from poverty_system.rules import roles
from poverty_system.versioning import StaleEdit

from ..errors import ProjectError

EDIT_ERRORS = (ProjectError, StaleEdit)
PER_PAGE = 50

project_readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE, Role.UNIT)
fund_readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP)


def show_error(form, exc) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, exc.message)


def int_or_none(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10000 else None
