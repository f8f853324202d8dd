"""贫困户认领管理 (procedure 2): the village claims its unclaimed households with the verified
phone; the township office lists the claims of its slice and cancels a wrong one."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from poverty_system.core import access
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import CANCEL_CLAIMS, CLAIM_HOUSEHOLDS, Role
from poverty_system.core.rules import roles

from .. import idnumbers, search, services
from ..access import filter_claims, filter_households, get_household_for_user
from ..choices import HouseholdStatus
from ..forms import ClaimSearchForm, ReasonForm
from ..models import Claim, Household
from .common import masked_rows, with_claims, with_head_id

PER_PAGE = 50
VILLAGE_TABS = {"unclaimed": "待认领", "mine": "本手机号已认领", "others": "其他手机号已认领"}


@roles(Role.VILLAGE, Role.TOWNSHIP)
def claims(request: HttpRequest) -> HttpResponse:
    # The search form is POSTed and answered with a redirect to a GET URL: an ID number is
    # kept in the session and the URL carries only its key (households.search).
    if request.method == "POST":
        return _redirect(search.redirect_params(request.POST, request.session, keep=("show",)))
    if search.carries_id(request.GET.get("q", "")):
        keep = ("show", "page")
        return _redirect(search.redirect_params(request.GET, request.session, keep=keep))
    if access.role_allows(request.user, CLAIM_HOUSEHOLDS):
        return _village_claims(request)
    return _township_claims(request)


def _redirect(params):
    url = reverse("households:claims")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _search(request, queryset, household=""):
    """The queryset narrowed by the search of ?q= (a household number or a name) or ?s= (the
    session key of an ID number), and the search form to show: the box shows an ID number
    masked, an invalid one not at all."""
    key = request.GET.get("s", "")
    text = search.recall(request.session, key) if key else request.GET.get("q", "")
    error, found = (search.EXPIRED if key and text is None else None), None
    if text and error is None:
        try:
            found = search.with_key(search.parse(text), key)
        except idnumbers.InvalidIdNumber as exc:
            error = str(exc)
            queryset = queryset.none()  # a wrong ID number finds nothing
    shown = found.shown if found is not None else ""
    if not shown and not key and not search.carries_id(text or ""):
        shown = (text or "").strip()
    form = ClaimSearchForm({"q": shown})
    form.is_valid()
    if error:
        form.add_error("q", error)
    form.search = found
    if found is not None:
        queryset = queryset.filter(
            search.household_filter(found, household=household, member_names=True)
        )
    return queryset, form


def _village_claims(request: HttpRequest) -> HttpResponse:
    phone = request.actor.phone
    tab = request.GET.get("show") if request.GET.get("show") in VILLAGE_TABS else "unclaimed"
    active = Claim.objects.active().filter(household=OuterRef("pk"))
    found = filter_households(
        Household.objects.exclude(status=HouseholdStatus.REMOVED), request.user, CLAIM_HOUSEHOLDS
    )
    if tab == "unclaimed":
        found = found.filter(~Exists(active))
    elif tab == "mine":
        found = found.filter(Exists(active.filter(phone=phone)))
    else:
        found = found.filter(Exists(active.exclude(phone=phone)))
    found, form = _search(request, found)
    found = with_head_id(with_claims(found)).select_related("village")
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


def _township_claims(request: HttpRequest) -> HttpResponse:
    cancelled = request.GET.get("show") == "cancelled"
    claims = Claim.objects.ended() if cancelled else Claim.objects.active()
    found = filter_claims(claims, request.user, CANCEL_CLAIMS)
    found, form = _search(request, found, household="household")
    found = found.select_related("household__village", "phone", "account", "ended_by")
    order = ("-ended_at", "-pk") if cancelled else ("household__village_code", "household__number")
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
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk, CLAIM_HOUSEHOLDS)
    try:
        services.claim_household(request.actor, household)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已认领 {household}。")
    return redirect(_back(request, "households:claims"))


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/households/") else default


@roles(Role.TOWNSHIP)
def cancel_claim(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk, CANCEL_CLAIMS)
    claim = services.active_claim(household)
    if claim is None:
        messages.info(request, f"{household} 当前没有有效的认领。")
        return redirect("households:detail", pk=household.pk)
    form = ReasonForm(request.POST or None, label="取消原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_claim(request.actor, household, form.cleaned_data["reason"])
        except ActionError as exc:
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
