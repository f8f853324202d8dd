from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Value
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import (
    CREATABLE_ROLES,
    EDIT_POPULATION,
    REGION_ROLES,
    ROLE_REGION_LEVELS,
    Role,
)
from poverty_system.core.rules import roles

from . import accounts, population
from .access import (
    filter_manageable_accounts,
    filter_phone_managed_accounts,
    get_region_for_user,
)
from .forms import AccountForm, AccountRegionForm, PhoneForm, PopulationForm
from .models import (
    LEVEL_DIGITS,
    Level,
    Region,
    User,
    VillagePhone,
    VillagePopulation,
    with_lockout,
)

region_readers = roles(Role.ADMIN, *REGION_ROLES)
account_managers = roles(*CREATABLE_ROLES)
phone_managers = roles(Role.SECURITY, Role.TOWNSHIP)
# The account actions name their argument "regions"; these forms have one "region" field.
ONE_REGION = {"regions": "region"}


@region_readers
def region_root(request: HttpRequest) -> HttpResponse:
    """行政区划: the top of the account's slice."""
    roots = access.slice_roots(request.user)
    if len(roots) == 1:
        return redirect("villages:region", pk=roots[0].pk)
    return render(request, "villages/region_root.html", {"regions": _with_village_counts(roots)})


@region_readers
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_region_for_user(request.user, pk)
    ancestors = [
        a for a in _ancestors(region) if access.has_region_perm(request.user, "view_slice", a)
    ]
    children = list(region.get_children().order_by("code"))
    context = {"region": region, "ancestors": ancestors, "children": _with_village_counts(children)}
    if region.level == Level.VILLAGE:  # 农村人口, the denominator of 统计's 贫困发生率
        context["population"] = VillagePopulation.objects.filter(village=region).first()
        context["can_edit_population"] = access.has_region_perm(
            request.user, EDIT_POPULATION, region
        )
    return render(request, "villages/region_detail.html", context)


@roles(Role.COUNTY, Role.TOWNSHIP)
def population_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """填写农村人口 of a village (versioned; each save leaves a change-log row)."""
    village = population.village_for(request.user, pk, EDIT_POPULATION)  # 404 / 403
    record = VillagePopulation.objects.filter(village=village).first()
    form = PopulationForm(request.POST or None, instance=record or VillagePopulation())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            population.set_rural_population(
                request.actor, village.pk, data["rural_population"], data["version"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已保存{village.name}的农村人口。")
            return redirect("villages:region", pk=village.pk)
    context = {"form": form, "village": village, "record": record}
    return render(request, "villages/population_form.html", context)


@region_readers
def region_children(request: HttpRequest, pk: int) -> HttpResponse:
    """Children of a tree node, loaded when the node is opened (the country has 665k nodes)."""
    region = get_region_for_user(request.user, pk)
    return JsonResponse(
        {"children": [_node(child) for child in region.get_children().order_by("code")]}
    )


def _node(region: Region) -> dict:
    return {
        "id": region.pk,
        "name": region.name,
        "code": region.code,
        "level": region.get_level_display(),
        "has_children": region.has_children,
        "url": reverse("villages:region", args=[region.pk]),
        "children_url": reverse("villages:region_children", args=[region.pk]),
    }


def _ancestors(region: Region) -> list[Region]:
    """region.get_ancestors(), found by code: every code starts with its parent's, so the
    ancestors are among the prefixes of the region's code (a few unique-index lookups).
    mptt's own query scans the (tree_id, lft) index from the start of the province."""
    prefixes = [region.code[:n] for n in LEVEL_DIGITS.values() if n < len(region.code)]
    return [
        a for a in Region.objects.filter(code__in=prefixes).order_by("lft") if a.contains(region)
    ]


def _with_village_counts(regions: list[Region]) -> list[Region]:
    """Annotate each region with the number of villages under it, in one query.

    The query is a UNION ALL of one COUNT per region over its code range, filtered on the
    code's length (villages are the only 12-digit codes) rather than on level, so each count
    reads one range of the code index and never the table rows. (level = 'village' with the
    ranges OR-ed and grouped took seconds on SQLite with the country loaded.)
    """
    counted = []
    for region in regions:
        region.village_count = 1 if region.level == Level.VILLAGE else 0
        if region.level != Level.VILLAGE:
            counted.append(region)
    by_code = {region.code: region for region in counted}
    for start in range(0, len(counted), 100):  # SQLite allows 500 SELECTs in one UNION
        parts = [_village_count(region) for region in counted[start : start + 100]]
        for row in parts[0].union(*parts[1:], all=True):
            by_code[row["region"]].village_count = row["n"]
    return regions


def _village_count(region: Region):
    lo, hi = region.code_range
    return (
        Region.objects.alias(code_length=Length("code"))
        .filter(code__gte=lo, code__lt=hi, code_length=LEVEL_DIGITS[Level.VILLAGE])
        .values(region=Value(region.code))
        .annotate(n=Count("*"))
        .order_by()
    )


# --- 系统用户管理 -----------------------------------------------------------------------


@account_managers
def account_list(request: HttpRequest) -> HttpResponse:
    found = with_lockout(filter_manageable_accounts(User.objects.all(), request.user))
    query = request.GET.get("q", "").strip()
    if query:
        found = found.filter(username__icontains=query) | found.filter(full_name__icontains=query)
    page = Paginator(found.order_by("role", "username"), 50).get_page(request.GET.get("page"))
    regions = accounts.regions_by_account(page.object_list)
    rows = [(account, regions.get(account.pk, [])) for account in page.object_list]
    return render(
        request, "villages/account_list.html", {"rows": rows, "page": page, "query": query}
    )


def _regions_for_levels(user):
    def regions_for(levels):
        return access.filter_regions(
            Region.objects.filter(level__in=levels), user, "manage_accounts"
        ).order_by("code")

    return regions_for


@account_managers
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(
        request.POST or None, actor=request.user, regions_for_role=_regions_for_levels(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, password = accounts.create_account(
                request.actor,
                username=data["username"],
                role=data["role"],
                regions=[data["region"]],
                full_name=data["full_name"],
            )
        except ActionError as exc:
            show_error(form, exc, fields=ONE_REGION)
        else:
            return render(
                request, "villages/account_created.html", {"account": account, "password": password}
            )
    return render(request, "villages/account_form.html", {"form": form})


def _region_form(
    request: HttpRequest, account: User, data: QueryDict | None = None
) -> AccountRegionForm:
    levels = list(ROLE_REGION_LEVELS[account.role])
    return AccountRegionForm(data, regions=_regions_for_levels(request.user)(levels))


@account_managers
def account_detail(
    request: HttpRequest, pk: int, region_form: AccountRegionForm | None = None
) -> HttpResponse:
    account = accounts.get_managed_account(request.user, pk)
    return render(
        request,
        "villages/account_detail.html",
        {
            "account": account,
            "regions": accounts.account_regions(account),
            "signs_in_by_phone": access.signs_in_by_phone(account),
            "phones": account.phones.active_first("pk"),
            "region_form": region_form or _region_form(request, account),
        },
    )


@account_managers
@require_POST
def account_add_region(request: HttpRequest, pk: int) -> HttpResponse:
    account = accounts.get_managed_account(request.user, pk)
    form = _region_form(request, account, request.POST)
    if form.is_valid():
        try:
            accounts.add_account_region(request.actor, account, form.cleaned_data["region"])
        except ActionError as exc:
            show_error(form, exc, fields=ONE_REGION)
        else:
            messages.success(
                request,
                f"已为账号 {account.username} 增加管辖区域“{form.cleaned_data['region'].name}”。",
            )
            return redirect("villages:account", pk=account.pk)
    return account_detail(request, pk, region_form=form)


@account_managers
@require_POST
def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = accounts.get_managed_account(request.user, pk)
    password = accounts.reset_password(request.actor, account)
    return render(
        request,
        "villages/account_created.html",
        {"account": account, "password": password, "reset": True},
    )


@account_managers
@require_POST
def account_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = accounts.get_managed_account(request.user, pk)
    active = request.POST.get("active") == "1"
    accounts.set_active(request.actor, account, active)
    messages.success(request, f"账号 {account.username} 已{'启用' if active else '停用'}。")
    return redirect("villages:account", pk=account.pk)


# --- 村级账号手机号管理 -------------------------------------------------------------------


@phone_managers
def phone_accounts(request: HttpRequest) -> HttpResponse:
    found = (
        filter_phone_managed_accounts(User.objects.all(), request.user)
        .order_by("username")
        .prefetch_related(
            Prefetch("phones", VillagePhone.objects.active(), to_attr="active_phones")
        )
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    regions = accounts.regions_by_account(page.object_list)
    rows = [
        (account, regions.get(account.pk, []), account.active_phones)
        for account in page.object_list
    ]
    return render(request, "villages/phone_accounts.html", {"rows": rows, "page": page})


@phone_managers
def phones(request: HttpRequest, pk: int) -> HttpResponse:
    account = accounts.get_phone_managed_account(request.user, pk)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = accounts.add_village_phone(request.actor, account, **form.cleaned_data)
        except ActionError as exc:
            if exc.field == "confirm_reassign" and exc.field not in form.fields:
                form = PhoneForm(request.POST, confirm=True)
                form.is_valid()
            show_error(form, exc)
        else:
            messages.success(request, f"已登记手机号 {phone.masked}（{phone.holder}）。")
            return redirect("villages:phones", pk=account.pk)
    return render(
        request,
        "villages/phones.html",
        {
            "account": account,
            "regions": accounts.account_regions(account),
            "phones": account.phones.active_first("pk"),
            "form": form,
        },
    )


@phone_managers
@require_POST
def phone_deactivate(request: HttpRequest, pk: int, phone_pk: int) -> HttpResponse:
    account = accounts.get_phone_managed_account(request.user, pk)
    phone = get_object_or_404(VillagePhone, pk=phone_pk, account=account)
    accounts.deactivate_village_phone(request.actor, phone)
    messages.success(request, f"手机号 {phone.masked} 已停用。")
    return redirect("villages:phones", pk=account.pk)
