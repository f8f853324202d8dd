"""管理贫困户信息: the household list of every office and village account, in its slice.

The filter form is sent by POST and answered with a redirect to the list's GET URL (links,
pagination and the browser's history keep working), so that a search by ID number leaves
only a session key in the URL (households.search)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode

from poverty_system.core import access
from poverty_system.core.roles import EXPORT_HOUSEHOLDS, Role
from poverty_system.core.rules import roles

from .. import listing, search
from ..filters import (
    HouseholdFilterForm,
    apply_filters,
    mask_phone_query,
    parse_filters,
    phones_for,
    select_fields,
)
from .common import household_readers, household_viewers

# The list's GET parameters that a POSTed filter form keeps as they are (q and s aside).
KEPT = ("region", *(name for name in HouseholdFilterForm.base_fields if name != "q"))


def _list_url(view_name: str, params: dict) -> str:
    url = reverse(view_name)
    return f"{url}?{urlencode(params)}" if params else url


def _redirect(request, data, keep):
    params = search.redirect_params(data, request.session, keep=keep)
    if params.get("phone_q"):  # a full phone number goes into the URL masked
        params["phone_q"] = mask_phone_query(params["phone_q"])
    # Back to the page under the name it was opened with (管理/查看贫困户信息, 乡镇管理贫困户).
    return redirect(_list_url(request.resolver_match.view_name, params))


@household_readers
def household_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _redirect(request, request.POST, KEPT)
    if search.carries_id(request.GET.get("q", "")):
        # An ID number typed into a URL: keep it server-side and drop it from the URL.
        return _redirect(request, request.GET, (*KEPT, "page"))
    user = request.user
    nav = listing.region_nav(user, request.GET.get("region"))  # 404 outside the slice
    region = nav.current if nav.chosen else None
    form, filters = parse_filters(request.GET, phones=phones_for(user), session=request.session)
    households = apply_filters(listing.scoped_households(user, region), filters, user)
    page, rows = listing.household_page(households, filters.sort, request.GET.get("page"))
    links = listing.Links(filters, region, nav)
    return render(
        request,
        "households/list.html",
        {
            "selects": select_fields(form, filters),
            "filters": filters,
            "page": page,
            "rows": rows,
            "region": region,
            "links": links,
            # 导出 (the exchange app, linked by URL name only) with the list's filters.
            "export_query": urlencode(filters.query_params(region))
            if access.role_allows(user, EXPORT_HOUSEHOLDS)
            else None,
            # 导出二维码信息 (units app, linked by URL name only) for the region shown.
            "qr_export_region": nav.current if access.can_export_qr(user, nav.current) else None,
        },
    )


@household_viewers
def view_list(request):
    """查看贫困户信息: the same list, open to unit and cadre accounts too (their scope)."""
    return household_list(request)


@roles(Role.TOWNSHIP)
def township_list(request: HttpRequest) -> HttpResponse:
    """乡镇管理贫困户: the same list for the township office (取消关联 joins it with units)."""
    return household_list(request)


urlpatterns = [
    path("", household_list, name="list"),  # 管理贫困户信息
    path("view/", view_list, name="view"),  # 查看贫困户信息: the same page, another name
    path("township/", township_list, name="township"),  # 乡镇管理贫困户
]
