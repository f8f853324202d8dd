"""What the print pages (贫困户信息表打印, 贫困户信息对照表打印, 贫困村信息表打印) read: the region
tree of the slice and, once a village is chosen, its registered households (two queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.http import urlencode

from households.access import filter_households
from households.asof import REGISTERED
from households.listing import RegionNav, region_nav
from households.models import Household
from poverty_system.core.roles import PRINT_SHEETS

from .services import village_households

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


@dataclass
class PrintPage:
    nav: RegionNav
    village: Any = None  # the chosen region when it is a village
    households: list[Any] = field(default_factory=list)

    @property
    def path(self) -> list[tuple[Any, str]]:
        return [(n, "?" + urlencode({"region": n.pk})) for n in self.nav.path]

    @property
    def children(self) -> list[tuple[Any, str]]:
        return [(n, "?" + urlencode({"region": n.pk})) for n in self.nav.children]


def print_page(user: AnyUser, region_param: str | None, *, with_households: bool) -> PrintPage:
    nav = region_nav(user, region_param)
    page = PrintPage(nav)
    current = nav.current
    if current is not None and current.level == "village":
        page.village = current
        if with_households:
            ids = village_households(user, current)
            found = filter_households(
                Household.objects.filter(pk__in=ids, status__in=REGISTERED), user, PRINT_SHEETS
            )
            page.households = list(
                found.order_by("group", "number").values(
                    "pk", "number", "head_name", "group", "size", "status"
                )
            )
    return page
