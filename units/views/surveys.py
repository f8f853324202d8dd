"""贫困户信息调查情况表 (procedure 7): the cadre fills wishes, measures and the exit plan of
its assigned households and records visits; units and offices read them in their slice."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households.models import Household
from poverty_system.core.dates import current_year
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.roles import OFFICE_ROLES, Role
from poverty_system.core.rules import roles

from .. import access as unit_access
from .. import listing, services
from ..forms import MeasureFormSet, SurveyForm, VisitForm
from ..models import Survey
from .common import PER_PAGE, cadre_only

survey_readers = roles(Role.ADMIN, Role.UNIT, Role.CADRE, *OFFICE_ROLES)


@survey_readers
def surveys(request: HttpRequest) -> HttpResponse:
    """The households of the account's slice with this year's survey: a cadre's assigned
    households (what is still to fill), a unit's linked ones, an office's region."""
    year, show = current_year(), request.GET.get("show", "")
    found = listing.survey_rows(request.user, year, todo=show == "todo")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "units/surveys.html", {"page": page, "year": year, "show": show})


def _measure_initial(survey: Survey | None) -> list[dict[str, Any]]:
    if survey is None:
        return []
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "description": m.description,
            "amount": m.amount,
            "status": m.status,
            "start_date": m.start_date,
            "end_date": m.end_date,
        }
        for m in survey.measures.all()
    ]


@survey_readers
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    """贫困户信息调查情况表 of one household in the slice; 保存 (POST) is survey_save."""
    if request.method == "POST":
        return survey_save(request, pk)
    household = unit_access.get_survey_household_for_user(request.user, pk)
    return _survey_page(request, household, *_survey_forms(request, household))


@require_POST
def survey_save(request: HttpRequest, pk: int) -> HttpResponse:
    """保存: the cadre assigned to the household saves this year's survey and its measures
    (reached through survey's URL and rule; other readers of the page get 403)."""
    household = unit_access.get_survey_household_for_user(request.user, pk)
    form, formset = _survey_forms(request, household, request.POST)
    if form is None or formset is None:
        raise PermissionDenied
    if form.is_valid() and formset.is_valid():
        rows = [
            f.cleaned_data for f in formset.forms if f.has_changed() or f.cleaned_data.get("id")
        ]
        rows = [row for row in rows if row and not row.get("DELETE")]
        try:
            services.save_survey(request.actor, household, measures=rows, **form.cleaned_data)
        except ActionError as exc:
            show_error(form, exc, formset.forms)
        else:
            messages.success(request, f"{current_year()}年调查情况表已保存。")
            return redirect("units:survey", household.pk)
    return _survey_page(request, household, form, formset)


def _survey_forms(
    request: HttpRequest, household: Household, data: QueryDict | None = None
) -> tuple[SurveyForm | None, Any]:
    """This year's survey form and its measures' formset, for the assigned cadre only."""
    if unit_access.cadre_of(request.user) is None:
        return None, None
    current = Survey.objects.filter(household=household, year=current_year()).first()
    form = SurveyForm(data, instance=current)
    formset = MeasureFormSet(data, initial=_measure_initial(current), prefix="measures")
    return form, formset


def _survey_page(
    request: HttpRequest, household: Household, form: SurveyForm | None, formset: Any
) -> HttpResponse:
    history = (
        Survey.objects.filter(household=household)
        .select_related("cadre")
        .prefetch_related("measures")
        .order_by("-year")
    )
    return render(
        request,
        "units/survey.html",
        {
            "household": household,
            "year": current_year(),
            "form": form,
            "formset": formset,
            "surveys": history,
            "visits": household.visit_logs.select_related("cadre")[:50],
            "visit_form": VisitForm() if form is not None else None,
        },
    )


@cadre_only
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = unit_access.get_survey_household_for_user(request.user, pk, edit=True)
    form = VisitForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_visit(
                request.actor,
                household,
                date=form.cleaned_data["date"],
                content=form.cleaned_data["content"],
                photo=form.cleaned_data["photo"],
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "帮扶日志已保存。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("units:survey", household.pk)


@survey_readers
def visit_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    visit = unit_access.get_visit_for_user(request.user, pk)
    if not visit.photo:
        raise Http404
    try:
        handle = visit.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # The type by the stored extension, from a fixed list: never a type a browser runs.
    ext = visit.photo.name.rsplit(".", 1)[-1].lower()
    content_type = services.surveys.PHOTO_CONTENT_TYPES.get(ext, "application/octet-stream")
    response = FileResponse(
        handle, content_type=content_type, as_attachment=content_type.startswith("application/")
    )
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("surveys/", surveys, name="surveys"),
    path("surveys/<int:pk>/", survey, name="survey"),
    path("surveys/<int:pk>/visits/", visit_add, name="visit_add"),
    path("visits/<int:pk>/photo/", visit_photo, name="visit_photo"),
]
