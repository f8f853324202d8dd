"""管理贫困户信息: the household list's pages, queries and region tree (its filters are in
households.filters).

Every page runs the same few queries whatever its depth (see docs/PERFORMANCE.md):

1. the count, on the slice's index range (plus the filters);
2. the page's ids, read in list order from the (village_code, number) index, so a deep
   OFFSET walks index entries instead of table rows;
3. the rows of those ids, with the head's ID number and the active claim joined in.

ID numbers and phone numbers leave this module masked: the full values never reach the
template, and a search term that is a full ID or phone number is not echoed back.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Func, IntegerField, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode

from poverty_system.core import access
from poverty_system.core.formatting import amount
from poverty_system.core.ids import id_or_404
from poverty_system.core.roles import VIEW
from villages.models import LEVEL_DIGITS, Region, User, mask_phone

from . import idnumbers
from .access import filter_households, filter_households_in_region
from .choices import Attribute, Cause, HouseholdStatus, Relation
from .filters import SORTS, Filters, order_for
from .models import Household

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

PER_PAGE = 20


# --- queries -----------------------------------------------------------------------------


def scoped_households(user: "AnyUser", region: Region | None = None) -> QuerySet[Household]:
    """The account's households, narrowed to `region` (404 when outside the slice)."""
    queryset = Household.objects.all()
    if region is not None:
        return filter_households_in_region(queryset, user, region)
    return filter_households(queryset, user)


@dataclass
class Row:
    """One household as the list shows it: masked values only."""

    pk: int
    number: str
    head_name: str
    head_id_masked: str
    village_name: str
    group: str
    size: int
    income: str  # 人均纯收入, formatted by poverty_system.core.formatting.amount
    attribute: str
    main_cause: str
    status: str
    status_code: str
    phone_masked: str
    claim_phone_masked: str
    claim_holder: str
    url: str


_PK = "987654321"  # a stand-in pk: the detail URL is reversed once per page, not per row


ROW_FIELDS = (
    "pk",
    "number",
    "head_name",
    "group",
    "size",
    "net_income_per_capita",
    "attribute",
    "main_cause",
    "status",
    "phone",
)


class CountAll(Func):
    """COUNT(*) as a plain expression: a scalar subquery without GROUP BY."""

    template = "COUNT(*)"
    output_field = IntegerField()


def page_query(
    queryset: QuerySet[Household], order: list[str], number: int
) -> "QuerySet[Household, dict[str, Any]]":
    """One statement for a page: the page's keys read in order from the index (a LIMIT/OFFSET
    subquery over the slice range), those rows fetched by key with the head's ID number and
    the active claim joined in, and the total as an uncorrelated scalar subquery."""
    offset = (number - 1) * PER_PAGE
    # The household number is the key read from the index: every list index ends with it,
    # so the deep OFFSET is an index-only walk on PostgreSQL too (SQLite's carry the rowid).
    keys = queryset.order_by(*order).values("number")[offset : offset + PER_PAGE]
    total = queryset.order_by().annotate(n=CountAll()).values("n")
    return (
        Household.objects.filter(number__in=keys)
        .annotate(
            head=FilteredRelation(
                "members", condition=Q(members__active=True, members__relation=Relation.HEAD)
            ),
            active_claim=FilteredRelation("claims", condition=Q(claims__ended_at__isnull=True)),
        )
        .values(
            *ROW_FIELDS,
            village_name=F("village__name"),
            head_id_number=F("head__id_number"),
            claim_phone=F("active_claim__phone__phone"),
            claim_holder=F("active_claim__phone__holder"),
            total=Subquery(total),
        )
        .order_by(*order)
    )


def to_row(v: dict, labels: dict, detail_url: str) -> Row:
    """Mask the ID and phone numbers: the full values stop here. `detail_url` is the
    household page's URL for the stand-in pk."""
    return Row(
        pk=v["pk"],
        number=v["number"],
        head_name=v["head_name"],
        head_id_masked=idnumbers.mask(v["head_id_number"]) if v["head_id_number"] else "",
        village_name=v["village_name"],
        group=v["group"],
        size=v["size"],
        income=amount(v["net_income_per_capita"]),
        attribute=labels["attribute"].get(v["attribute"], v["attribute"]),
        main_cause=labels["cause"].get(v["main_cause"], v["main_cause"]),
        status=labels["status"].get(v["status"], v["status"]),
        status_code=v["status"],
        phone_masked=mask_phone(v["phone"]) if v["phone"] else "",
        claim_phone_masked=mask_phone(v["claim_phone"]) if v["claim_phone"] else "",
        claim_holder=v["claim_holder"] or "",
        url=detail_url.replace(_PK, str(v["pk"])),
    )


@dataclass
class PageInfo:
    """What the pagination shows: a page number and the total count."""

    number: int
    count: int
    per_page: int = PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def parse_page(value: object) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 10**9)


def household_page(
    queryset: QuerySet[Household], sort: str, page_param: object
) -> tuple[PageInfo, list[Row]]:
    """One page of the list in one query; a page past the end shows the last page."""
    order = order_for(sort)
    number = parse_page(page_param)
    values = list(page_query(queryset, order, number))
    if not values and number > 1:  # past the end: count, then the last page
        count = queryset.order_by().count()
        number = PageInfo(number, count).num_pages
        values = list(page_query(queryset, order, number)) if count else []
    total = values[0]["total"] if values else 0
    labels = {
        "attribute": dict(Attribute.choices),
        "cause": dict(Cause.choices),
        "status": dict(HouseholdStatus.choices),
    }
    detail_url = reverse("households:detail", args=[_PK])
    return PageInfo(number, total), [to_row(v, labels, detail_url) for v in values]


# --- the region tree of the list -----------------------------------------------------------


@dataclass
class RegionNav:
    """Where the list is in the tree: the path from the slice root and the next level."""

    current: Region | None  # None: the whole slice of an account with several roots
    chosen: bool  # the region comes from ?region=
    path: list[Region]
    children: list[Region]


ANCESTOR_DIGITS = sorted(d for d in LEVEL_DIGITS.values() if d < max(LEVEL_DIGITS.values()))


def region_nav(user: User, region_param: str | None) -> RegionNav:
    """The region of ?region= (404 outside the slice), its ancestors in the slice and its
    children, in one query; none for an account whose slice is one village."""
    roots = access.slice_roots(user)
    if region_param:
        pk = id_or_404(region_param)
        if len(roots) == 1 and roots[0].pk == pk:  # the whole slice: the default view
            return region_nav(user, None)
        target = Region.objects.filter(pk=pk)
        q = Q(pk=pk) | Q(parent_id=pk)
        for digits in ANCESTOR_DIGITS:  # the ancestors' codes are prefixes of its code
            q |= Q(code=Subquery(target.values(prefix=Substr("code", 1, digits))))
        nodes = list(Region.objects.filter(q).order_by("code"))
        region = next((n for n in nodes if n.pk == pk), None)
        if region is None:
            raise Http404
        access.check_region_perm(user, VIEW, region)
        path = [
            n
            for n in nodes
            if len(n.code) < len(region.code)
            and region.code.startswith(n.code)
            and access.has_region_perm(user, VIEW, n)
        ]
        children = [n for n in nodes if n.parent_id == region.pk]
        return RegionNav(region, True, [*path, region], children)
    if len(roots) != 1:
        return RegionNav(None, False, [], roots)
    root = roots[0]
    children = list(root.get_children().order_by("code")) if root.has_children else []
    return RegionNav(root, False, [root], children)


def region_nav_for(
    user: User, region_param: str | None, perm: str
) -> tuple[RegionNav, Region | None]:
    """region_nav for a page that needs perm on the region it shows (统计, 数据质量检查): 403
    unless the account holds perm there (on each root of its slice when none is chosen).
    With the chosen region, None for the whole slice."""
    nav = region_nav(user, region_param)
    for root in [nav.current] if nav.current is not None else nav.children:
        if not access.has_region_perm(user, perm, root):
            raise PermissionDenied
    return nav, (nav.current if nav.chosen else None)


class Links:
    """URLs of the page's links, keeping the other filters."""

    def __init__(self, filters: Filters, region: Region | None, nav: RegionNav) -> None:
        self.filters, self.region, self.nav = filters, region, nav

    def _url(self, params: dict) -> str:
        return "?" + urlencode(params) if params else "?"

    @cached_property
    def page_prefix(self) -> str:
        params = self.filters.query_params(self.region)
        return "?" + urlencode({**params, "page": ""})

    @cached_property
    def hidden_params(self) -> list[tuple[str, str]]:
        """The filters as hidden inputs of the page-jump form."""
        return list(self.filters.query_params(self.region).items())

    @cached_property
    def sorts(self) -> dict[str, dict]:
        current = self.filters.sort
        links = {}
        for key in SORTS:
            if current == key:
                target, mark = f"-{key}", "▲"
            elif current == f"-{key}":
                target, mark = key, "▼"
            else:
                target, mark = key, ""
            links[key] = {
                "url": self._url(self.filters.query_params(self.region, sort=target)),
                "mark": mark,
            }
        return links

    def _region(self, node: Region) -> tuple[Region, str]:
        return node, self._url(self.filters.query_params(node))

    @cached_property
    def path(self) -> list[tuple[Region, str]]:
        return [self._region(node) for node in self.nav.path]

    @cached_property
    def children(self) -> list[tuple[Region, str]]:
        return [self._region(node) for node in self.nav.children]

    @cached_property
    def clear(self) -> str:
        return self._url({"region": self.region.pk} if self.region else {})

    @cached_property
    def phone_q(self) -> str:
        return self.filters.query_params().get("phone_q", "")

    @cached_property
    def search_shown(self) -> str:
        """The search box's value: the name or number as typed, an ID number masked."""
        found = self.filters.search
        return found.shown if found is not None else ""
