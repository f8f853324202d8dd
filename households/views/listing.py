"""管理贫困户信息: the household list of every office and village account, in its slice."""

from django.shortcuts import render
from django.urls import path

from poverty_system import access
from poverty_system.roles import Role
from poverty_system.rules import roles

from .. import listing
from ..filters import apply_filters, parse_filters, phones_for, select_fields
from .common import household_readers


@household_readers
def household_list(request):
    user = request.user
    nav = listing.region_nav(user, request.GET.get("region"))  # 404 outside the slice
    region = nav.current if nav.chosen else None
    form, filters = parse_filters(request.GET, phones=phones_for(user))
    households = apply_filters(listing.scoped_households(user, region), filters, user)
    page, rows = listing.household_page(households, filters.sort, request.GET.get("page"))
    return render(
        request,
        "households/list.html",
        {
            "selects": select_fields(form, filters),
            "filters": filters,
            "page": page,
            "rows": rows,
            "region": region,
            "links": listing.Links(filters, region, nav),
            # 导出二维码信息 (units app, linked by URL name only) for the region shown.
            "qr_export_region": nav.current if access.can_export_qr(user, nav.current) else None,
        },
    )


@roles(Role.TOWNSHIP)
def township_list(request):
    """乡镇管理贫困户: the same list for the township office (取消关联 joins it with units)."""
    return household_list(request)


urlpatterns = [
    path("", household_list, name="list"),  # 管理贫困户信息
    path("view/", household_list, name="view"),  # 查看贫困户信息: the same page, another name
    path("township/", township_list, name="township"),  # 乡镇管理贫困户
]
