"""扶贫项目资产台账 (county, township, village: each its slice), an asset's page with its
record, income and the households' shares."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core.forms import VersionedModelForm
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from .. import listing
from ..access import MANAGE_ASSETS, may
from ..export import audited_xlsx_response
from ..models import Asset
from ..services import assets as actions
from .common import EDIT_ERRORS, show_error

readers = roles(Role.ADMIN, Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.VILLAGE)


class AssetForm(VersionedModelForm):
    class Meta:
        model = Asset
        fields = list(actions.FIELDS)


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2014, max_value=2035)
    amount = forms.DecimalField(label="年收益（元）", max_digits=14, decimal_places=2, min_value=0)
    shared = forms.DecimalField(
        label="分配给农户（元）", max_digits=14, decimal_places=2, min_value=0
    )


@readers
def ledger(request):
    kind = request.GET.get("kind")
    found = listing.assets(request.user, kind)
    if request.GET.get("format") == "xlsx":
        header, rows = listing.asset_sheet(found)
        return audited_xlsx_response(
            request.actor,
            {"what": "扶贫项目资产台账", "kind": kind or ""},
            "扶贫项目资产台账.xlsx",
            "资产台账",
            header,
            rows,
        )
    page = Paginator(found, listing.PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "kinds": Asset.Kind.choices, "kind": kind}
    return render(request, "projects/assets.html", context)


@readers
def detail(request, pk, form=None, income_form=None):
    asset = actions.get_asset(request.user, pk)
    can_edit = may(request.user, MANAGE_ASSETS, asset.region_code)
    incomes = asset.incomes.prefetch_related("shares__household")
    return render(
        request,
        "projects/asset.html",
        {
            "asset": asset,
            "can_edit": can_edit,
            "incomes": incomes,
            "form": form
            or (
                AssetForm(instance=asset, initial={"version": asset.version}) if can_edit else None
            ),
            "income_form": income_form or IncomeForm(),
        },
    )


@roles(Role.COUNTY)
@require_POST
def edit(request, pk):
    asset = actions.get_asset(request.user, pk, MANAGE_ASSETS)
    form = AssetForm(request.POST, instance=Asset.objects.get(pk=asset.pk))
    if form.is_valid():
        try:
            actions.edit(request.actor, asset.pk, form.cleaned_data, request.POST.get("version"))
        except EDIT_ERRORS as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("projects:asset", pk=asset.pk)
    return detail(request, pk, form=form)


@roles(Role.COUNTY)
@require_POST
def income(request, pk):
    asset = actions.get_asset(request.user, pk, MANAGE_ASSETS)
    form = IncomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_income(
                request.actor, asset.pk, data["year"], data["amount"], data["shared"]
            )
        except EDIT_ERRORS as exc:
            show_error(form, exc)
        else:
            messages.success(request, "已登记收益并分配到户。")
            return redirect("projects:asset", pk=asset.pk)
    return detail(request, pk, income_form=form)


urlpatterns = [
    path("assets/", ledger, name="assets"),
    path("assets/<int:pk>/", detail, name="asset"),
    path("assets/<int:pk>/edit/", edit, name="asset_edit"),
    path("assets/<int:pk>/income/", income, name="asset_income"),
]
