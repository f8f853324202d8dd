"""The household list's filters: the form that validates them, what a request asks for,
the URL parameters that keep them in links, the sort orders, and the query they narrow.

An invalid filter is dropped with a message, never a 500. The search box (户编号, head's name
or any member's ID number) is households.search: a searched ID number travels only as a
session key (`?s=`), never in links, and the search box shows it masked.
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Exists, OuterRef, Q

from poverty_system.core import access
from poverty_system.core.dates import current_year
from poverty_system.core.roles import CLAIM_HOUSEHOLDS

from . import asof, idnumbers, search
from .choices import Attribute, Cause, HouseholdStatus, IdentificationStandard
from .models import Claim

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser

# Statuses taken together, for the statistics' links (统计): 在册 is every registered
# household not removed.
STATUS_GROUPS = {
    "registered": ("在册（未清退）", asof.REGISTERED),
    "entered": ("已登记（含清退）", (*asof.REGISTERED, HouseholdStatus.REMOVED)),
    "unlifted": ("未脱贫（贫困户、返贫）", asof.POOR),
}
PAIRING_CHOICES = [("no_unit", "未关联帮扶单位"), ("no_cadre", "未分配帮扶干部")]
MISSING_CHOICES = [("survey", "本年度未填调查情况表"), ("visit", "本年度无帮扶日志")]
EVENT_CHOICES = [(key, label) for key, (label, _) in asof.EVENTS.items()]


def year_choices():
    this_year = current_year()
    return [("", "当前")] + [
        (str(y), f"{y}年底") for y in range(this_year - 1, asof.FIRST_YEAR - 1, -1)
    ]


# sort key -> (label, order_by); every order ends with the unique number so pages are stable.
SORTS = {
    "number": ("户编号", ("village_code", "number")),
    "head": ("户主姓名", ("head_name", "number")),
    "size": ("家庭人口", ("size", "number")),
    "income": ("人均纯收入", ("net_income_per_capita", "number")),
}
SORT_CHOICES = [(key, label) for key, (label, _) in SORTS.items()] + [
    (f"-{key}", f"{label}（倒序）") for key, (label, _) in SORTS.items()
]

PHONE_FULL = re.compile(r"^1\d{10}$")
PHONE_MASKED = re.compile(r"^(1\d{2})\*{4}(\d{4})$")
PHONE_TAIL = re.compile(r"^\d{4}$")


def mask_phone_query(value: str) -> str:
    """A full phone number typed into the claim-phone filter, as the masked form the filter
    also accepts (138****5678): links carry only that."""
    compact = re.sub(r"[\s-]", "", value)
    return f"{compact[:3]}****{compact[-4:]}" if PHONE_FULL.match(compact) else value


def _choices(all_label, choices):
    return [("", all_label), *choices]


class HouseholdFilterForm(forms.Form):
    """The filters of the list; an invalid value is dropped with a message, never a 500."""

    q = forms.CharField(label="户编号/户主姓名/身份证号", required=False, max_length=50)
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=_choices(
            "全部状态",
            [*HouseholdStatus.choices, *((k, label) for k, (label, _) in STATUS_GROUPS.items())],
        ),
    )
    attribute = forms.ChoiceField(
        label="贫困户属性", required=False, choices=_choices("全部属性", Attribute.choices)
    )
    cause = forms.ChoiceField(
        label="主要致贫原因",
        required=False,
        choices=_choices("全部原因", [*Cause.choices, ("none", "未填写")]),
    )
    standard = forms.ChoiceField(
        label="识别标准",
        required=False,
        choices=_choices("全部标准", IdentificationStandard.choices),
    )
    # 年底: status, attribute, cause and standard as they stood at that year-end (统计).
    year = forms.TypedChoiceField(label="统计时点", required=False, coerce=int, empty_value=None)
    event = forms.ChoiceField(
        label="年度变动", required=False, choices=_choices("全部", EVENT_CHOICES)
    )
    pairing = forms.ChoiceField(
        label="结对情况", required=False, choices=_choices("全部", PAIRING_CHOICES)
    )
    missing = forms.ChoiceField(
        label="调查走访", required=False, choices=_choices("全部", MISSING_CHOICES)
    )
    claimed = forms.ChoiceField(
        label="认领情况",
        required=False,
        choices=[("", "全部"), ("yes", "已认领"), ("no", "未认领")],
    )
    phone = forms.TypedChoiceField(label="认领手机号", required=False, coerce=int, empty_value=None)
    phone_q = forms.CharField(
        label="认领手机号",
        required=False,
        max_length=20,
        help_text="完整手机号、138****5678 或后四位",
    )
    group = forms.CharField(label="村民小组", required=False, max_length=30)
    sort = forms.ChoiceField(label="排序", required=False, choices=SORT_CHOICES)

    def __init__(self, data: Any, *, phones: Any = None) -> None:
        super().__init__(data)
        self.fields["year"].choices = year_choices()
        self.phones = phones
        if phones is None:
            del self.fields["phone"]
        else:
            del self.fields["phone_q"]
            self.fields["phone"].choices = [("", "全部手机号")] + [
                (p.pk, f"{p.holder} {p.masked}{'' if p.active else '（已停用）'}") for p in phones
            ]

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
        try:
            return search.parse(self.cleaned_data["q"])
        except idnumbers.InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None


# The filters that go into a link as their value (the search and the masked phone tail have
# their own spelling, see Filters.query_params).
VALUE_FILTERS = (
    "status",
    "attribute",
    "cause",
    "standard",
    "year",
    "event",
    "pairing",
    "missing",
    "claimed",
    "phone",
    "group",
)
# Every parameter of the list's URL (`s` is an ID number search kept in the session).
LIST_PARAMS = ("region", "q", "s", *VALUE_FILTERS, "phone_q", "sort")


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
    def search(self) -> search.Search | None:
        return self.get("q")

    @property
    def active(self) -> bool:
        return any(self.get(n) for n in ("q", *VALUE_FILTERS, "phone_q"))

    def query_params(self, region=None, *, sort: str | None = None) -> dict:
        """The filters as URL parameters for links (pagination, sorting, the region tree).

        A searched ID number goes as its session key (`s`), never as the number."""
        params = {}
        if region is not None:
            params["region"] = region.pk
        found = self.search
        if found is not None and found.is_id:
            if found.key:
                params["s"] = found.key
        elif found is not None:
            params["q"] = found.value
        for key in VALUE_FILTERS:
            if self.get(key):
                params[key] = self.get(key)
        if self.get("phone_q"):
            prefix, tail = self.get("phone_q")
            params["phone_q"] = f"{prefix}****{tail}" if prefix else tail
        sort = sort or self.sort
        if sort != "number":
            params["sort"] = sort
        return params


SELECTS = (
    "year",
    "status",
    "attribute",
    "cause",
    "standard",
    "event",
    "pairing",
    "missing",
    "claimed",
    "phone",
    "sort",
)


def select_fields(form: HouseholdFilterForm, filters: Filters) -> list[dict]:
    """The filter drop-downs, rendered by the list template itself (cheaper than widgets)."""
    fields = []
    for name in SELECTS:
        if name not in form.fields:
            continue
        field_ = form.fields[name]
        current = filters.sort if name == "sort" else filters.get(name)
        current = "" if current is None else str(current)
        fields.append(
            {
                "name": name,
                "label": field_.label,
                "id": f"f-{name}",
                "options": [
                    (str(value), label, str(value) == current) for value, label in field_.choices
                ],
            }
        )
    return fields


def parse_filters(params, *, phones=None, session=None) -> tuple[HouseholdFilterForm, Filters]:
    """The filters of a request; `session` holds the searches sent by POST (`?s=<key>`)."""
    form = HouseholdFilterForm(params, phones=phones)
    form.is_valid()
    filters = Filters(
        cleaned={k: v for k, v in form.cleaned_data.items() if k not in form.errors},
        phones=phones is not None,
    )
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        filters.messages.append(f"“{label}”：{errors[0]}已忽略该条件。")
    key = params.get("s")
    if key and session is not None and not filters.get("q"):
        text = search.recall(session, key)
        if text is None:
            filters.messages.append(search.EXPIRED)
        else:
            try:
                filters.cleaned["q"] = search.with_key(search.parse(text), key)
            except idnumbers.InvalidIdNumber as exc:
                label = form.fields["q"].label
                filters.messages.append(f"“{label}”：{exc}已忽略该条件。")
    return form, filters


def phones_for(user: "AnyUser") -> list[Any] | None:
    """The village account's own phones for the claim filter; None for other accounts."""
    if not access.role_allows(user, CLAIM_HOUSEHOLDS):
        return None
    return list(user.phones.active_first("pk"))


def apply_filters(queryset, filters: Filters, user):
    """The list's filters on top of the slice; each narrows the same query. With a year
    (统计时点), status, attribute, cause and standard are those of that year-end."""
    year = filters.get("year")
    prefix = ""
    if year is not None:
        queryset, prefix = asof.as_of(queryset, year), "ye_"
    status = filters.get("status")
    if status in STATUS_GROUPS:
        queryset = queryset.filter(**{f"{prefix}status__in": STATUS_GROUPS[status][1]})
    elif status:
        queryset = queryset.filter(**{f"{prefix}status": status})
    for key, column in (
        ("attribute", "attribute"),
        ("cause", "main_cause"),
        ("standard", "standard"),
    ):
        value = filters.get(key)
        if value is not None:
            queryset = queryset.filter(**{prefix + column: "" if value == "none" else value})
    if filters.get("event"):
        event_year = year or current_year()
        queryset = asof.with_event(queryset, filters.get("event"), event_year)
    queryset = _pairing(queryset, filters)
    if filters.get("group"):
        queryset = queryset.filter(group=filters.get("group").strip())
    if filters.search is not None:  # 户编号, head's name or an active member's ID number
        queryset = queryset.filter(search.household_filter(filters.search))
    claims = Claim.objects.active().filter(household=OuterRef("pk"))
    if filters.get("claimed") in ("yes", "no"):
        queryset = queryset.filter(pairing_q("claimed", filters.get("claimed")))
    if filters.get("phone"):
        # Only the account's own phones are choices, so this cannot reach another account.
        queryset = queryset.filter(
            Exists(claims.filter(phone_id=filters.get("phone"), account=user))
        )
    if filters.get("phone_q"):
        prefix, tail = filters.get("phone_q")
        by_phone = claims.filter(phone__phone__endswith=tail)
        if prefix:
            by_phone = by_phone.filter(phone__phone__startswith=prefix)
        queryset = queryset.filter(Exists(by_phone))
    return queryset


def pairing_rows(this_year: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """What makes a household 已认领, 已关联单位, 已分配干部, 已填本年度调查情况表 or
    本年度有帮扶日志: a row of a reverse relation (by name: a household does not import units)
    with these lookups. Each but the visits is at most one row per household (a unique
    constraint on the active claim, link and assignment and on the survey of a year), so 统计
    may LEFT JOIN them."""
    active = {"ended_at__isnull": True}
    return {
        "claim": ("claims", active),
        "unit": ("unit_links", active),
        "cadre": ("cadre_assignments", active),
        "survey": ("surveys", {"year": this_year}),
        "visit": ("visit_logs", {"date__gte": asof.year_start(this_year).date()}),
    }


def has_row(kind: str, this_year: int | None = None) -> Exists:
    """EXISTS a row of `kind` (pairing_rows) for the household, correlated on its id alone."""
    from .models import Household

    name, lookups = pairing_rows(this_year or current_year())[kind]
    rows = Household._meta.get_field(name).related_model._base_manager
    return Exists(rows.filter(household=OuterRef("pk"), **lookups))


def pairing_q(name: str, value: str) -> Q:
    """The condition of one 结对情况 / 调查走访 / 认领 choice on a household (the list filters
    with it; EXISTS / NOT EXISTS on the household itself: PostgreSQL rescans a large NOT IN)."""
    if (name, value) == ("pairing", "no_unit"):
        return ~Q(has_row("unit"))
    if (name, value) == ("pairing", "no_cadre"):
        return ~Q(has_row("cadre"))
    if name == "missing" and value in ("survey", "visit"):
        return Q(has_row("cadre")) & ~Q(has_row(value))
    if name == "claimed" and value in ("yes", "no"):
        return Q(has_row("claim")) if value == "yes" else ~Q(has_row("claim"))
    raise ValueError(f"no pairing condition {name}={value}")


def _pairing(queryset, filters: Filters):
    """结对情况 and 调查走访."""
    pairing = filters.get("pairing")
    if pairing in ("no_unit", "no_cadre"):
        queryset = queryset.filter(pairing_q("pairing", pairing))
    missing = filters.get("missing")
    if missing:
        queryset = queryset.filter(
            pairing_q("missing", "survey" if missing == "survey" else "visit")
        )
    return queryset


def order_for(sort: str) -> list[str]:
    descending = sort.startswith("-")
    _, columns = SORTS[sort.lstrip("-")]
    return [f"-{c}" if descending else c for c in columns]
