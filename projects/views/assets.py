"""扶贫项目资产台账 (county, township, village: each its slice), an asset's page with its
record, income and the households' shares."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system.core import audit
from poverty_system.core.forms import VersionedModelForm
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles

from ..access import MANAGE_ASSETS, READ_PROJECTS, filter_by_slice, may
from ..export import xlsx_response
from ..models import Asset
from ..services import assets as actions
from .common import EDIT_ERRORS, PER_PAGE, show_error

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
    found = filter_by_slice(Asset.objects.all(), request.user, READ_PROJECTS)
    kind = request.GET.get("kind")
    if kind in Asset.Kind.values:
        found = found.filter(kind=kind)
    found = found.select_related("project").order_by("region_code", "pk")
    if request.GET.get("format") == "xlsx":
        audit.record(request.actor, audit.EXPORT, detail={"what": "扶贫项目资产台账"})
        return xlsx_response(
            "扶贫项目资产台账.xlsx",
            "资产台账",
            [
                "资产名称",
                "资产类别",
                "资产价值（元）",
                "产权归属",
                "产权单位",
                "管护主体",
                "资产位置",
                "资产状态",
                "项目编号",
                "项目名称",
                "确权日期",
            ],
            [
                [
                    a.name,
                    a.get_kind_display(),
                    a.value,
                    a.get_owner_display(),
                    a.owner_name,
                    a.manager,
                    a.location,
                    a.get_condition_display(),
                    a.project.number,
                    a.project.name,
                    a.confirmed_on,
                ]
                for a in found.iterator()
            ],
        )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "projects/assets.html", {"page": page, "kinds": Asset.Kind.choices, "kind": kind}
    )


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
