"""贫困户认领管理 (procedure 2): the village claims its unclaimed households with the verified
phone; the township office lists the claims of its slice and cancels a wrong one."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from poverty_system import access
from poverty_system.roles import CANCEL_CLAIMS, CLAIM_HOUSEHOLDS, Role
from poverty_system.rules import roles

from .. import idnumbers, services
from ..access import filter_households, get_household_for_user, is_village_session
from ..choices import HouseholdStatus
from ..forms import ClaimSearchForm, ReasonForm
from ..models import Claim, Household, Member
from .common import masked_rows, show_error, with_claims, with_head_id

PER_PAGE = 50
VILLAGE_TABS = {"unclaimed": "待认领", "mine": "本手机号已认领", "others": "其他手机号已认领"}


@roles(Role.VILLAGE, Role.TOWNSHIP)
def claims(request):
    if is_village_session(request.user):
        return _village_claims(request)
    return _township_claims(request)


def _search(form, queryset, household_prefix=""):
    """Households (or claims) whose head or member is named like q, or that hold the ID."""
    if not form.is_valid() or not form.cleaned_data["q"]:
        return queryset
    q = form.cleaned_data["q"].strip()
    pk_field = "household_id" if household_prefix else "pk"
    if q[:1].isdigit() and len(q) >= 15:
        try:
            number = idnumbers.normalize(q)
        except idnumbers.InvalidIdNumber as exc:
            form.add_error("q", str(exc))
            return queryset.none()
        holders = Member.objects.filter(household=OuterRef(pk_field), id_number=number)
        return queryset.filter(Exists(holders))
    if q.isdigit():
        return queryset.filter(**{f"{household_prefix}number__startswith": q})
    named = Member.objects.filter(household=OuterRef(pk_field), name__icontains=q)
    return queryset.filter(Q(**{f"{household_prefix}head_name__icontains": q}) | Exists(named))


def _village_claims(request):
    phone = request.actor.phone
    tab = request.GET.get("show") if request.GET.get("show") in VILLAGE_TABS else "unclaimed"
    form = ClaimSearchForm(request.GET or None)
    active = Claim.objects.filter(household=OuterRef("pk"), active=True)
    found = filter_households(
        Household.objects.exclude(status=HouseholdStatus.REMOVED), request.user, CLAIM_HOUSEHOLDS
    )
    if tab == "unclaimed":
        found = found.filter(~Exists(active))
    elif tab == "mine":
        found = found.filter(Exists(active.filter(phone=phone)))
    else:
        found = found.filter(Exists(active.exclude(phone=phone)))
    found = with_head_id(with_claims(_search(form, found))).select_related("village")
    page = Paginator(found.order_by("village_code", "number"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "households/claims_village.html",
        {
            "page": page,
            "rows": masked_rows(page.object_list),
            "form": form,
            "tab": tab,
            "tabs": VILLAGE_TABS,
            "phone": phone,
        },
    )


def _township_claims(request):
    cancelled = request.GET.get("show") == "cancelled"
    form = ClaimSearchForm(request.GET or None)
    found = Claim.objects.filter(active=not cancelled)
    scope = access.code_filter(request.user, "household__village_code", CANCEL_CLAIMS)
    if scope is not None:
        found = found.filter(scope)
    found = _search(form, found, household_prefix="household__")
    found = found.select_related("household__village", "phone", "account", "cancelled_by")
    order = (
        ("-cancelled_at", "-pk") if cancelled else ("household__village_code", "household__number")
    )
    page = Paginator(found.order_by(*order), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "households/claims_township.html",
        {
            "page": page,
            "form": form,
            "cancelled": cancelled,
        },
    )


@roles(Role.VILLAGE)
@require_POST
def claim(request, pk):
    household = get_household_for_user(request.user, pk, CLAIM_HOUSEHOLDS)
    try:
        services.claim_household(request.actor, household)
    except services.HouseholdError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已认领 {household}。")
    return redirect(_back(request, "households:claims"))


def _back(request, default):
    target = request.POST.get("next", "")
    return target if target.startswith("/households/") else default


@roles(Role.TOWNSHIP)
def cancel_claim(request, pk):
    household = get_household_for_user(request.user, pk, CANCEL_CLAIMS)
    claim = services.active_claim(household)
    if claim is None:
        messages.info(request, f"{household} 当前没有有效的认领。")
        return redirect("households:detail", pk=household.pk)
    form = ReasonForm(request.POST or None, label="取消原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_claim(request.actor, household, form.cleaned_data["reason"])
        except services.HouseholdError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"已取消 {household} 的认领，村级账号可以重新认领。")
            return redirect("households:claims")
    return render(
        request,
        "households/claim_cancel.html",
        {
            "household": household,
            "claim": claim,
            "form": form,
        },
    )


urlpatterns = [
    path("claims/", claims, name="claims"),
    path("<int:pk>/claim/", claim, name="claim"),
    path("<int:pk>/claim/cancel/", cancel_claim, name="claim_cancel"),
]
