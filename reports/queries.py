"""贫困户变更查询 and 贫困户销户查询: what the two query pages (and their Excel files) read.

Both are scoped through the one household scope (`households.access.filter_households`):
every row names a household of the account's slice, narrowed to the chosen region. A page is
four queries whatever its depth and length: the count, the page's keys (a UNION of the
sources in time order), and the rows of each source by key with what they show joined in.
The Excel file reads the same keys in batches of EXPORT_BATCH, the same queries per batch.

- 变更查询: the status changes (`StatusChange`: 新识别, 脱贫, 返贫, 清退, 分户, 综合回退) and
  the natural changes of members (人口自然增加/减少) read from the members' change log: an
  increase is a member's first (+) row carrying an increase kind, a decrease the first row
  where the member is no longer 在册.
- 销户查询: households removed (清退: the status change that stands, not rolled back) and
  households whose members have all left by natural decrease (全部成员自然减少).

ID numbers and phones leave this module masked, as on the lists.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils.http import urlencode

from households import idnumbers
from households.access import filter_households
from households.asof import FIRST_YEAR, LIFTED
from households.choices import ADD_CHANGES, REMOVE_CHANGES, HouseholdStatus, MemberChange
from households.listing import PageInfo, parse_page
from households.models import Household, Member, StatusChange
from poverty_system.core.dates import QUERY_DATE_BOUNDS, QUERY_DATE_MESSAGE, current_year
from poverty_system.core.roles import QUERY_CHANGES
from villages.access import get_region_for_user
from villages.models import Region, mask_phone

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

PER_PAGE = 50
EXPORT_BATCH = 1000
EXPORT_MAX = 100_000  # rows of one Excel file; a larger query is narrowed first

Kind = StatusChange.Kind
MemberHistory = Member.history.model  # type: ignore[attr-defined]
DECREASES = (*REMOVE_CHANGES, MemberChange.SPLIT)

# kind -> (label, source, condition on the source's rows)
STATUS = "status"
MEMBER = "member"
CHANGE_KINDS: dict[str, tuple[str, str, Q]] = {
    "new": (
        "新识别",
        STATUS,
        Q(
            kind=Kind.CHANGE,
            from_status=HouseholdStatus.REGISTERING,
            to_status=HouseholdStatus.POOR,
        ),
    ),
    "lifted": (
        "脱贫",
        STATUS,
        Q(kind=Kind.CHANGE, to_status__in=LIFTED) & ~Q(from_status__in=LIFTED),
    ),
    "returned": ("返贫", STATUS, Q(kind=Kind.CHANGE, to_status=HouseholdStatus.RETURNED)),
    "removed": ("清退", STATUS, Q(kind=Kind.CHANGE, to_status=HouseholdStatus.REMOVED)),
    "split": ("分户", STATUS, Q(kind=Kind.SPLIT)),
    "rollback": ("综合回退", STATUS, Q(kind=Kind.ROLLBACK)),
    "member_add": ("人口自然增加", MEMBER, Q(history_type="+", change__in=ADD_CHANGES)),
    "member_remove": ("人口自然减少", MEMBER, Q(active=False, change__in=DECREASES)),
}
REMOVAL_KINDS = {"removed": "清退", "emptied": "全部成员自然减少"}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=_tz())


def _date(value: object) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def year_options() -> list[int]:
    return list(range(current_year(), FIRST_YEAR - 1, -1))


@dataclass
class Query:
    """The filters of a query page, parsed leniently: a value that is not one of the
    choices is dropped (never a 500), a region outside the slice is 404."""

    region: Region | None = None
    year: int | None = None  # None: every year
    kind: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, user: AnyUser, params: Mapping[str, Any], kinds: Mapping[str, Any]) -> Query:
        query = cls()
        if params.get("region"):
            query.region = get_region_for_user(user, params.get("region"), QUERY_CHANGES)
        year = str(params.get("year", str(current_year())))
        query.year = int(year) if year in {str(y) for y in year_options()} else None
        kind = str(params.get("kind", ""))
        query.kind = kind if kind in kinds else ""
        for name in ("date_from", "date_to"):
            raw = params.get(name)
            value = _date(raw)
            if raw and value is None:
                query.problems.append("日期格式应为 年-月-日，例如 2026-01-31。")
            elif value is not None and not QUERY_DATE_BOUNDS[0] <= value <= QUERY_DATE_BOUNDS[1]:
                # 9999-12-31 + 1 day (the end of the period) is past what a date can hold.
                query.problems.append(QUERY_DATE_MESSAGE)
                value = None
            setattr(query, name, value)
        if query.date_from and query.date_to and query.date_from > query.date_to:
            query.problems.append("开始日期不能晚于结束日期。")
            query.date_to = None
        return query

    def params(self, **changes: Any) -> dict[str, Any]:
        """The query string of these filters (for the page links and the Excel link)."""
        values = {
            "region": self.region.pk if self.region else "",
            "year": self.year if self.year is not None else "all",
            "kind": self.kind,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}

    def describe(self, kinds: Mapping[str, Any]) -> dict[str, Any]:
        """The filters as an audit entry records them (no personal data)."""
        return {
            "region": self.region.code if self.region else "",
            "year": self.year,
            "kind": self.kind,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


def households_in_scope(user: AnyUser, query: Query) -> QuerySet[Household]:
    """The slice's households (the one scope), narrowed to the chosen region: one range."""
    found = filter_households(Household.objects.all(), user, QUERY_CHANGES)
    if query.region is not None:
        lo, hi = query.region.code_range
        found = found.filter(village_code__gte=lo, village_code__lt=hi)
    return found


def _in_period(query: Query, column: str) -> Q:
    q = Q()
    if query.date_from:
        q &= Q(**{f"{column}__gte": _start(query.date_from)})
    if query.date_to:
        q &= Q(**{f"{column}__lt": _start(query.date_to + datetime.timedelta(days=1))})
    return q


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


# --- 贫困户变更查询 ---------------------------------------------------------------------------


@dataclass
class ChangeRow:
    at: datetime.datetime
    kind: str  # 新识别, 脱贫, … 人口自然增加
    household_pk: int
    number: str
    head_name: str
    village: str
    content: str  # what changed: 原状态 → 新状态, or the member and its change
    reason: str
    actor: str
    phone_masked: str
    year: int | None
    url: str
    reverted: bool = False


def _status_changes(user: AnyUser, query: Query) -> QuerySet[StatusChange]:
    scope = households_in_scope(user, query)
    found = StatusChange.objects.filter(household__in=scope.values("pk"))
    if query.year is not None:
        found = found.filter(year=query.year)
    if query.kind:
        found = found.filter(CHANGE_KINDS[query.kind][2])
    return found.filter(_in_period(query, "at"))


def _member_changes(user: AnyUser, query: Query) -> QuerySet[Any]:
    scope = households_in_scope(user, query)
    earlier_out = MemberHistory.objects.filter(
        id=OuterRef("id"), active=False, history_id__lt=OuterRef("history_id")
    )
    added = CHANGE_KINDS["member_add"][2]
    removed = CHANGE_KINDS["member_remove"][2] & ~Q(Exists(earlier_out))
    if query.kind == "member_add":
        condition = added
    elif query.kind == "member_remove":
        condition = removed
    else:
        condition = added | removed
    found = MemberHistory.objects.filter(condition, household_id__in=scope.values("pk"))
    if query.year is not None:
        lo, hi = _year_range(query.year)
        found = found.filter(change_month__gte=lo, change_month__lt=hi)
    return found.filter(_in_period(query, "history_date"))


def _ordered_keys(user: AnyUser, query: Query) -> QuerySet[Any]:
    """(at, source, key) of every row of the query in time order, newest first: one source's
    rows, or both as one UNION."""
    source = CHANGE_KINDS[query.kind][1] if query.kind else ""
    parts = []
    if source in ("", STATUS):
        parts.append(
            _status_changes(user, query)
            .order_by()
            .annotate(src=Value(STATUS, output_field=CharField()), key=F("pk"))
            .values_list("at", "src", "key")
        )
    if source in ("", MEMBER):
        parts.append(
            _member_changes(user, query)
            .order_by()
            .annotate(
                at=F("history_date"),
                src=Value(MEMBER, output_field=CharField()),
                key=F("history_id"),
            )
            .values_list("at", "src", "key")
        )
    keys = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return keys.order_by("-at", "-src", "-key")


def _status_label(value: str) -> str:
    return str(dict(HouseholdStatus.choices).get(value, value or "—"))


def _kind_of_status(change: StatusChange) -> str:
    if change.kind == Kind.ROLLBACK:
        return "综合回退"
    if change.kind == Kind.SPLIT:
        return "分户"
    for key in ("new", "lifted", "returned", "removed"):
        if _matches(key, change):
            return CHANGE_KINDS[key][0]
    return "状态变更"


def _matches(key: str, c: StatusChange) -> bool:
    if key == "new":
        return c.from_status == HouseholdStatus.REGISTERING and c.to_status == HouseholdStatus.POOR
    if key == "lifted":
        return c.to_status in LIFTED and c.from_status not in LIFTED
    if key == "returned":
        return c.to_status == HouseholdStatus.RETURNED
    return c.to_status == HouseholdStatus.REMOVED


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    return str(getattr(user, "full_name", "") or user.username)


_PK = "987654321"


def _change_rows(keys: list[tuple[Any, str, int]]) -> list[ChangeRow]:
    """The rows of these keys, in their order: one query per source."""
    status_ids = [pk for _, src, pk in keys if src == STATUS]
    member_ids = [pk for _, src, pk in keys if src == MEMBER]
    url = reverse("households:detail", args=[_PK])
    found: dict[tuple[str, int], ChangeRow] = {}
    if status_ids:
        changes = StatusChange.objects.filter(pk__in=status_ids).select_related(
            "household__village", "actor", "reverted_by"
        )
        for c in changes:
            h = c.household
            reverted = getattr(c, "reverted_by", None) is not None
            found[(STATUS, c.pk)] = ChangeRow(
                at=c.at,
                kind=_kind_of_status(c),
                household_pk=h.pk,
                number=h.number,
                head_name=h.head_name,
                village=h.village.name,
                content=f"{_status_label(c.from_status)} → {_status_label(c.to_status)}",
                reason=c.reason,
                actor=_who(c.actor),
                phone_masked=mask_phone(c.phone) if c.phone else "",
                year=c.year,
                url=url.replace(_PK, str(h.pk)),
                reverted=reverted,
            )
    if member_ids:
        rows = MemberHistory.objects.filter(history_id__in=member_ids).select_related(
            "history_user", "household__village"
        )
        labels = dict(MemberChange.choices)
        for m in rows:
            h = m.household
            increase = m.active
            verb = "新增" if increase else "减少"
            month = m.change_month.strftime("%Y-%m") if m.change_month else ""
            found[(MEMBER, m.history_id)] = ChangeRow(
                at=m.history_date,
                kind="人口自然增加" if increase else "人口自然减少",
                household_pk=h.pk,
                number=h.number,
                head_name=h.head_name,
                village=h.village.name,
                content=(
                    f"{verb}成员 {m.name}（{idnumbers.mask(m.id_number)}）"
                    f"：{labels.get(m.change, m.change)}{(' ' + month) if month else ''}"
                ),
                reason=m.change_note,
                actor=_who(m.history_user),
                phone_masked=mask_phone(m.history_phone) if m.history_phone else "",
                year=m.change_month.year if m.change_month else None,
                url=url.replace(_PK, str(h.pk)),
            )
    return [found[(src, pk)] for _, src, pk in keys if (src, pk) in found]


def change_page(
    user: AnyUser, query: Query, page_param: object
) -> tuple[PageInfo, list[ChangeRow]]:
    """One page of 变更查询: four queries (count, keys, status rows, member rows)."""
    keys = _ordered_keys(user, query)
    count = keys.count()
    info = PageInfo(parse_page(page_param), count, PER_PAGE)
    info.number = min(info.number, info.num_pages)
    offset = (info.number - 1) * PER_PAGE
    return info, _change_rows(list(keys[offset : offset + PER_PAGE]))


def change_rows_all(user: AnyUser, query: Query) -> Iterator[ChangeRow]:
    """Every row of the query (the Excel file), EXPORT_BATCH at a time."""
    keys = _ordered_keys(user, query)
    for offset in range(0, EXPORT_MAX, EXPORT_BATCH):
        batch = list(keys[offset : offset + EXPORT_BATCH])
        yield from _change_rows(batch)
        if len(batch) < EXPORT_BATCH:
            return


# --- 贫困户销户查询 ---------------------------------------------------------------------------


@dataclass
class RemovalRow:
    on: datetime.date
    kind: str
    household_pk: int
    number: str
    head_name: str
    head_id_masked: str
    village: str
    size_before: int
    reason: str
    actor: str
    url: str


def _standing_removals(user: AnyUser, query: Query) -> QuerySet[StatusChange]:
    """The 清退 that stand: the household is still removed and the change not rolled back."""
    scope = households_in_scope(user, query).filter(status=HouseholdStatus.REMOVED)
    found = StatusChange.objects.filter(
        CHANGE_KINDS["removed"][2],
        household__in=scope.values("pk"),
        reverted_by__isnull=True,
    )
    if query.year is not None:
        found = found.filter(year=query.year)
    return found.filter(_in_period(query, "at"))


def _last_leaver() -> QuerySet[Member]:
    return Member.objects.filter(household=OuterRef("pk"), active=False).order_by(
        "-change_month", "-pk"
    )


def _emptied(user: AnyUser, query: Query) -> QuerySet[Household]:
    """Registered households (not removed) with no member left 在册, each dated by the month
    its last member left."""
    found = (
        households_in_scope(user, query)
        .filter(size=0, parts_done__gte=7)
        .exclude(status__in=(HouseholdStatus.REMOVED, HouseholdStatus.REGISTERING))
        .exclude(Exists(Member.objects.filter(household=OuterRef("pk"), active=True)))
        .annotate(left_on=Subquery(_last_leaver().values("change_month")[:1]))
    )
    if query.year is not None:
        lo, hi = _year_range(query.year)
        found = found.filter(left_on__gte=lo, left_on__lt=hi)
    if query.date_from:
        found = found.filter(left_on__gte=query.date_from)
    if query.date_to:
        found = found.filter(left_on__lte=query.date_to)
    return found


def _removal_keys(user: AnyUser, query: Query) -> QuerySet[Any]:
    parts = []
    if query.kind in ("", "removed"):
        parts.append(
            _standing_removals(user, query)
            .order_by()
            .annotate(
                on=TruncDate("at", tzinfo=_tz()),
                src=Value("removed", output_field=CharField()),
                key=F("pk"),
            )
            .values_list("on", "src", "key")
        )
    if query.kind in ("", "emptied"):
        parts.append(
            _emptied(user, query)
            .order_by()
            .annotate(
                on=Cast("left_on", DateField()),
                src=Value("emptied", output_field=CharField()),
                key=F("pk"),
            )
            .values_list("on", "src", "key")
        )
    keys = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:], all=True)
    return keys.order_by("-on", "-src", "-key")


def _removal_rows(keys: list[tuple[Any, str, int]]) -> list[RemovalRow]:
    removed_ids = [pk for _, src, pk in keys if src == "removed"]
    emptied_ids = [pk for _, src, pk in keys if src == "emptied"]
    url = reverse("households:detail", args=[_PK])
    found: dict[tuple[str, int], RemovalRow] = {}
    head = Member.objects.filter(household=OuterRef("household"), relation="head").order_by(
        "-active", "-pk"
    )
    if removed_ids:
        changes = (
            StatusChange.objects.filter(pk__in=removed_ids)
            .select_related("household__village", "actor")
            .annotate(head_id=Subquery(head.values("id_number")[:1]))
        )
        tz = _tz()
        for c in changes:
            h = c.household
            found[("removed", c.pk)] = RemovalRow(
                on=c.at.astimezone(tz).date(),
                kind=REMOVAL_KINDS["removed"],
                household_pk=h.pk,
                number=h.number,
                head_name=h.head_name,
                head_id_masked=idnumbers.mask(c.head_id) if c.head_id else "",
                village=h.village.name,
                size_before=h.size,
                reason=c.reason,
                actor=_who(c.actor),
                url=url.replace(_PK, str(h.pk)),
            )
    if emptied_ids:
        own_head = Member.objects.filter(household=OuterRef("pk"), relation="head").order_by("-pk")
        leaver = _last_leaver()
        households = (
            Household.objects.filter(pk__in=emptied_ids)
            .select_related("village")
            .annotate(
                head_id=Subquery(own_head.values("id_number")[:1]),
                left_on=Subquery(leaver.values("change_month")[:1]),
                left_kind=Subquery(leaver.values("change")[:1]),
                left_name=Subquery(leaver.values("name")[:1]),
                members_ever=Subquery(
                    Member.objects.filter(household=OuterRef("pk"))
                    .order_by()
                    .values("household")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
            )
        )
        labels = dict(MemberChange.choices)
        for h in households:
            found[("emptied", h.pk)] = RemovalRow(
                on=h.left_on,
                kind=REMOVAL_KINDS["emptied"],
                household_pk=h.pk,
                number=h.number,
                head_name=h.head_name,
                head_id_masked=idnumbers.mask(h.head_id) if h.head_id else "",
                village=h.village.name,
                size_before=h.members_ever or 0,
                reason=f"最后一名成员{h.left_name}{labels.get(h.left_kind, h.left_kind or '')}",
                actor="",
                url=url.replace(_PK, str(h.pk)),
            )
    return [found[(src, pk)] for _, src, pk in keys if (src, pk) in found]


def removal_page(
    user: AnyUser, query: Query, page_param: object
) -> tuple[PageInfo, list[RemovalRow]]:
    """One page of 销户查询: four queries (count, keys, each source's rows)."""
    keys = _removal_keys(user, query)
    count = keys.count()
    info = PageInfo(parse_page(page_param), count, PER_PAGE)
    info.number = min(info.number, info.num_pages)
    offset = (info.number - 1) * PER_PAGE
    return info, _removal_rows(list(keys[offset : offset + PER_PAGE]))


def removal_rows_all(user: AnyUser, query: Query) -> Iterator[RemovalRow]:
    keys = _removal_keys(user, query)
    for offset in range(0, EXPORT_MAX, EXPORT_BATCH):
        batch = list(keys[offset : offset + EXPORT_BATCH])
        yield from _removal_rows(batch)
        if len(batch) < EXPORT_BATCH:
            return


def local_time(value: datetime.datetime) -> str:
    return value.astimezone(_tz()).strftime("%Y-%m-%d %H:%M")


@dataclass
class Links:
    """The page's links, keeping the filters: the region tree and the pages."""

    query: Query
    nav: Any  # households.listing.RegionNav
    info: PageInfo

    def _url(self, **changes: Any) -> str:
        return "?" + urlencode(self.query.params(**changes))

    @property
    def path(self) -> list[tuple[Region, str]]:
        return [(node, self._url(region=node.pk, page="")) for node in self.nav.path]

    @property
    def children(self) -> list[tuple[Region, str]]:
        return [(node, self._url(region=node.pk, page="")) for node in self.nav.children]

    @property
    def previous(self) -> str:
        return self._url(page=self.info.number - 1) if self.info.has_previous else ""

    @property
    def next(self) -> str:
        return self._url(page=self.info.number + 1) if self.info.has_next else ""

    @property
    def xlsx(self) -> str:
        return self._url(format="xlsx")
