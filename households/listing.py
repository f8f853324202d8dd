"""管理贫困户信息: the household list's filters and queries.

Every page runs the same few queries whatever its depth (see docs/PERFORMANCE.md):

1. the count, on the slice's index range (plus the filters);
2. the page's ids, read in list order from the (village_code, number) index, so a deep
   OFFSET walks index entries instead of table rows;
3. the rows of those ids, with the head's ID number and the active claim joined in.

ID numbers and phone numbers leave this module masked: the full values never reach the
template, and a search term that is a full ID or phone number is not echoed back.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django import forms
from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Substr
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from poverty_system import access
from poverty_system.roles import VIEW, Role
from villages.models import LEVEL_DIGITS, Region, mask_phone

from . import idnumbers
from .choices import Attribute, Cause, HouseholdStatus, Relation
from .models import Claim, Household, Member

PER_PAGE = 20

# sort key -> (label, order_by); every order ends with the unique number so pages are stable.
SORTS = {
    "number": ("户编号", ("village_code", "number")),
    "head": ("户主姓名", ("head_name", "number")),
    "size": ("家庭人口", ("size", "number")),
    "income": ("人均纯收入", ("net_income_per_capita", "number")),
}
SORT_CHOICES = [(key, label) for key, (label, _) in SORTS.items()] + [
    (f"-{key}", f"{label}（倒序）") for key, (label, _) in SORTS.items()]

ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
PHONE_FULL = re.compile(r"^1\d{10}$")
PHONE_MASKED = re.compile(r"^(1\d{2})\*{4}(\d{4})$")
PHONE_TAIL = re.compile(r"^\d{4}$")


def _choices(all_label, choices):
    return [("", all_label), *choices]


class HouseholdFilterForm(forms.Form):
    """The filters of the list; an invalid value is dropped with a message, never a 500."""

    q = forms.CharField(label="户主姓名/身份证号", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=_choices("全部状态", HouseholdStatus.choices))
    attribute = forms.ChoiceField(label="贫困户属性", required=False,
                                  choices=_choices("全部属性", Attribute.choices))
    cause = forms.ChoiceField(label="主要致贫原因", required=False,
                              choices=_choices("全部原因", Cause.choices))
    claimed = forms.ChoiceField(label="认领情况", required=False, choices=[
        ("", "全部"), ("yes", "已认领"), ("no", "未认领")])
    phone = forms.TypedChoiceField(label="认领手机号", required=False, coerce=int,
                                   empty_value=None)
    phone_q = forms.CharField(label="认领手机号", required=False, max_length=20,
                              help_text="完整手机号、138****5678 或后四位")
    group = forms.CharField(label="村民小组", required=False, max_length=30)
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)

    def __init__(self, data, *, phones=None):
        super().__init__(data)
        self.phones = phones
        if phones is None:
            del self.fields["phone"]
        else:
            del self.fields["phone_q"]
            self.fields["phone"].choices = [("", "全部手机号")] + [
                (p.pk, f"{p.holder} {p.masked}{'' if p.active else '（已停用）'}")
                for p in phones]

    def clean_phone_q(self):
        value = re.sub(r"[\s-]", "", self.cleaned_data["phone_q"])
        if not value:
            return None
        if PHONE_FULL.match(value):
            # A full number is searched as its masked form: the page never shows it back.
            return value[:3], value[-4:]
        if match := PHONE_MASKED.match(value):
            return match.group(1), match.group(2)
        if PHONE_TAIL.match(value):
            return "", value
        raise forms.ValidationError("手机号请输入 11 位号码、138****5678 形式或后四位。")

    def clean_q(self):
        value = self.cleaned_data["q"].strip()
        compact = value.replace(" ", "")
        if ID_LIKE.match(compact):
            try:
                return ("id", idnumbers.normalize(compact))
            except idnumbers.InvalidIdNumber as exc:
                raise forms.ValidationError(str(exc)) from None
        return ("name", value) if value else None


@dataclass
class Filters:
    """The valid filters of one request, and what the page shows back."""

    cleaned: dict
    messages: list[str] = field(default_factory=list)
    phones: bool = False  # the claim phone is chosen from the account's own phones

    def get(self, name):
        return self.cleaned.get(name) or None

    @property
    def sort(self) -> str:
        return self.get("sort") or "number"

    @property
    def id_number(self) -> str | None:
        q = self.get("q")
        return q[1] if q and q[0] == "id" else None

    @property
    def name(self) -> str | None:
        q = self.get("q")
        return q[1] if q and q[0] == "name" else None

    @property
    def active(self) -> bool:
        return any(self.get(n) for n in ("q", "status", "attribute", "cause", "claimed",
                                          "phone", "phone_q", "group"))

    def query_params(self, region=None, *, sort: str | None = None) -> dict:
        """The filters as URL parameters for links (pagination, sorting, the region tree).

        A searched ID number is left out: it would put the full number in the page."""
        params = {}
        if region is not None:
            params["region"] = region.pk
        if self.name:
            params["q"] = self.name
        for key in ("status", "attribute", "cause", "claimed", "phone", "group"):
            if self.get(key):
                params[key] = self.get(key)
        if self.get("phone_q"):
            prefix, tail = self.get("phone_q")
            params["phone_q"] = f"{prefix}****{tail}" if prefix else tail
        sort = sort or self.sort
        if sort != "number":
            params["sort"] = sort
        return params


SELECTS = ("status", "attribute", "cause", "claimed", "phone", "sort")


def select_fields(form: HouseholdFilterForm, filters: Filters) -> list[dict]:
    """The filter drop-downs, rendered by the list template itself (cheaper than widgets)."""
    fields = []
    for name in SELECTS:
        if name not in form.fields:
            continue
        field_ = form.fields[name]
        current = filters.sort if name == "sort" else filters.get(name)
        current = "" if current is None else str(current)
        fields.append({
            "name": name, "label": field_.label, "id": f"f-{name}",
            "options": [(str(value), label, str(value) == current)
                        for value, label in field_.choices],
        })
    return fields


def parse_filters(params, *, phones=None) -> tuple[HouseholdFilterForm, Filters]:
    form = HouseholdFilterForm(params, phones=phones)
    form.is_valid()
    filters = Filters(cleaned={k: v for k, v in form.cleaned_data.items() if k not in form.errors},
                      phones=phones is not None)
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        filters.messages.append(f"“{label}”：{errors[0]}已忽略该条件。")
    return form, filters


def phones_for(user):
    """The village account's own phones for the claim filter; None for other accounts."""
    if user.role != Role.VILLAGE:
        return None
    return list(user.phones.order_by("-active", "pk"))


# --- queries -----------------------------------------------------------------------------

def scoped_households(user, region=None):
    """The account's households, narrowed to `region` (404 when outside the slice)."""
    queryset = Household.objects.all()
    if region is not None:
        return access.filter_households_in_region(queryset, user, region)
    return access.filter_households(queryset, user)


def apply_filters(queryset, filters: Filters, user):
    """The list's filters on top of the slice; each narrows the same query."""
    for key, column in (("status", "status"), ("attribute", "attribute"),
                        ("cause", "main_cause")):
        if filters.get(key):
            queryset = queryset.filter(**{column: filters.get(key)})
    if filters.get("group"):
        queryset = queryset.filter(group=filters.get("group").strip())
    if filters.name:
        queryset = queryset.filter(head_name__contains=filters.name)
    if filters.id_number:  # any active member's normalized number (an indexed lookup)
        queryset = queryset.filter(pk__in=Member.objects.filter(
            id_number=filters.id_number, active=True).values("household_id"))
    claims = Claim.objects.filter(household=OuterRef("pk"), active=True)
    if filters.get("claimed") == "yes":
        queryset = queryset.filter(Exists(claims))
    elif filters.get("claimed") == "no":
        queryset = queryset.filter(~Exists(claims))
    if filters.get("phone"):
        # Only the account's own phones are choices, so this cannot reach another account.
        queryset = queryset.filter(Exists(claims.filter(phone_id=filters.get("phone"),
                                                        account=user)))
    if filters.get("phone_q"):
        prefix, tail = filters.get("phone_q")
        by_phone = claims.filter(phone__phone__endswith=tail)
        if prefix:
            by_phone = by_phone.filter(phone__phone__startswith=prefix)
        queryset = queryset.filter(Exists(by_phone))
    return queryset


def order_for(sort: str) -> list[str]:
    descending = sort.startswith("-")
    _, columns = SORTS[sort.lstrip("-")]
    return [f"-{c}" if descending else c for c in columns]


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
    net_income_per_capita: Decimal
    income: str  # formatted: 1,234.50
    attribute: str
    main_cause: str
    status: str
    status_code: str
    phone_masked: str
    claim_phone_masked: str
    claim_holder: str
    url: str | None


_PK = 987654321  # a stand-in pk: the detail URL is reversed once per page, not per row


def detail_url_template() -> str | None:
    """The household page's URL with a stand-in pk (None until households.views.detail
    provides the page)."""
    try:
        return reverse("households:detail", args=[_PK])
    except NoReverseMatch:
        return None


def household_detail_url(pk: int, template: str | None = None) -> str | None:
    template = template if template is not None else detail_url_template()
    return template.replace(str(_PK), str(pk)) if template else None


ROW_FIELDS = ("pk", "number", "head_name", "group", "size", "net_income_per_capita",
              "attribute", "main_cause", "status", "phone")


class CountAll(Func):
    """COUNT(*) as a plain expression: a scalar subquery without GROUP BY."""

    template = "COUNT(*)"
    output_field = IntegerField()


def page_query(queryset, order: list[str], number: int):
    """One statement for a page: the page's keys read in order from the index (a LIMIT/OFFSET
    subquery over the slice range), those rows fetched by key with the head's ID number and
    the active claim joined in, and the total as an uncorrelated scalar subquery."""
    offset = (number - 1) * PER_PAGE
    # The household number is the key read from the index: every list index ends with it,
    # so the deep OFFSET is an index-only walk on PostgreSQL too (SQLite's carry the rowid).
    keys = queryset.order_by(*order).values("number")[offset:offset + PER_PAGE]
    total = queryset.order_by().annotate(n=CountAll()).values("n")
    return (
        Household.objects.filter(number__in=keys)
        .annotate(
            head=FilteredRelation("members", condition=Q(members__active=True,
                                                         members__relation=Relation.HEAD)),
            active_claim=FilteredRelation("claims", condition=Q(claims__active=True)),
        )
        .values(*ROW_FIELDS, village_name=F("village__name"),
                head_id_number=F("head__id_number"),
                claim_phone=F("active_claim__phone__phone"),
                claim_holder=F("active_claim__phone__holder"),
                total=Subquery(total))
        .order_by(*order)
    )


def to_row(v: dict, labels: dict) -> Row:
    """Mask the ID and phone numbers: the full values stop here."""
    return Row(
        pk=v["pk"], number=v["number"], head_name=v["head_name"],
        head_id_masked=idnumbers.mask(v["head_id_number"]) if v["head_id_number"] else "",
        village_name=v["village_name"], group=v["group"], size=v["size"],
        net_income_per_capita=v["net_income_per_capita"],
        income=f"{v['net_income_per_capita']:,.2f}",
        attribute=labels["attribute"].get(v["attribute"], v["attribute"]),
        main_cause=labels["cause"].get(v["main_cause"], v["main_cause"]),
        status=labels["status"].get(v["status"], v["status"]), status_code=v["status"],
        phone_masked=mask_phone(v["phone"]) if v["phone"] else "",
        claim_phone_masked=mask_phone(v["claim_phone"]) if v["claim_phone"] else "",
        claim_holder=v["claim_holder"] or "",
        url=household_detail_url(v["pk"], labels["url"]),
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


def parse_page(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), 10 ** 9)


def household_page(queryset, sort: str, page_param) -> tuple[PageInfo, list[Row]]:
    """One page of the list in one query; a page past the end shows the last page."""
    order = order_for(sort)
    number = parse_page(page_param)
    values = list(page_query(queryset, order, number))
    if not values and number > 1:  # past the end: count, then the last page
        count = queryset.order_by().count()
        number = max(1, -(-count // PER_PAGE))
        values = list(page_query(queryset, order, number)) if count else []
    total = values[0]["total"] if values else 0
    labels = {"attribute": dict(Attribute.choices), "cause": dict(Cause.choices),
              "status": dict(HouseholdStatus.choices), "url": detail_url_template()}
    return PageInfo(number, total), [to_row(v, labels) for v in values]


# --- the region tree of the list -----------------------------------------------------------

@dataclass
class RegionNav:
    """Where the list is in the tree: the path from the slice root and the next level."""

    current: Region | None  # None: the whole slice of an account with several roots
    chosen: bool  # the region comes from ?region=
    path: list[Region]
    children: list[Region]


ANCESTOR_DIGITS = sorted(d for d in LEVEL_DIGITS.values() if d < max(LEVEL_DIGITS.values()))


def region_nav(user, region_param: str | None) -> RegionNav:
    """The region of ?region= (404 outside the slice), its ancestors in the slice and its
    children, in one query; none for an account whose slice is one village."""
    roots = access.slice_roots(user)
    if region_param:
        try:
            pk = int(region_param)
        except (TypeError, ValueError):
            raise Http404 from None
        if not 0 < pk < 2 ** 63:  # beyond a database integer
            raise Http404
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
        path = [n for n in nodes if len(n.code) < len(region.code)
                and region.code.startswith(n.code) and access.has_region_perm(user, VIEW, n)]
        children = [n for n in nodes if n.parent_id == region.pk]
        return RegionNav(region, True, [*path, region], children)
    if len(roots) != 1:
        return RegionNav(None, False, [], roots)
    root = roots[0]
    children = list(root.get_children().order_by("code")) if root.has_children else []
    return RegionNav(root, False, [root], children)


class Links:
    """URLs of the page's links, keeping the other filters."""

    def __init__(self, filters: Filters, region: Region | None, nav: RegionNav):
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
            links[key] = {"url": self._url(self.filters.query_params(self.region, sort=target)),
                          "mark": mark}
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
    def id_number_masked(self) -> str:
        return idnumbers.mask(self.filters.id_number or "")
