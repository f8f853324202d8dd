"""Units actions, one module per topic; each takes the Actor first."""

from .base import UnitError
from .cadres import add_cadre, create_cadre_account, create_cadre_login, update_cadre
from .moves import depart_cadre, transfer_cadre
from .pairing import (
    assign_households,
    cancel_household_link,
    end_village_link,
    link_households,
    link_village,
    linkable_villages,
    save_village_plans,
    unassign,
    units_of_village,
    why_not_assignable,
)
from .reset import reset_counts, yearly_reset
from .surveys import add_visit, save_survey
from .units import create_unit, reorganize_units, update_unit

__all__ = [
    "UnitError",
    "add_cadre",
    "add_visit",
    "assign_households",
    "cancel_household_link",
    "create_cadre_account",
    "create_cadre_login",
    "create_unit",
    "depart_cadre",
    "end_village_link",
    "link_households",
    "link_village",
    "linkable_villages",
    "reorganize_units",
    "reset_counts",
    "save_survey",
    "save_village_plans",
    "transfer_cadre",
    "unassign",
    "units_of_village",
    "update_cadre",
    "update_unit",
    "why_not_assignable",
    "yearly_reset",
]
