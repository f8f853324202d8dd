"""证件号码重复查询: ID-number conflicts within an office's slice."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from poverty_system.core.roles import OFFICE_ROLES
from poverty_system.core.rules import roles

from .. import duplicates as finder

PER_PAGE = 50


@roles(*OFFICE_ROLES)
def duplicates(request: HttpRequest) -> HttpResponse:
    page = Paginator(finder.duplicate_numbers(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    numbers = [row["id_number"] for row in page.object_list]
    return render(
        request,
        "households/duplicates.html",
        {
            "page": page,
            "conflicts": finder.members_of(request.user, numbers),
            "variants": finder.length_variants(request.user),
            "variant_limit": finder.VARIANT_LIMIT,
        },
    )


urlpatterns = [
    path("duplicates/", duplicates, name="duplicates"),
]
