"""贫困户信息调查情况表 (procedure 7): the cadre fills wishes, measures and the exit plan of
its assigned households and records visits; units and offices read them in their slice."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from households.models import Household
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.roles import OFFICE_ROLES, Role
from poverty_system.rules import roles

from .. import access as unit_access
from .. import services
from ..forms import MeasureFormSet, SurveyForm, VisitForm
from ..models import Assignment, Survey
from .common import PER_PAGE, cadre_only

survey_readers = roles(Role.ADMIN, Role.UNIT, Role.CADRE, *OFFICE_ROLES)


@survey_readers
def surveys(request):
    """The households of the account's slice with this year's survey: a cadre's assigned
    households (what is still to fill), a unit's linked ones, an office's region."""
    year = services.this_year()
    this_years = Survey.objects.filter(household=OuterRef("pk"), year=year)
    cadre_name = Assignment.objects.filter(household=OuterRef("pk"), ended_at__isnull=True).values(
        "cadre__name"
    )[:1]
    found = unit_access.households_visible_to(Household.objects.all(), request.user)
    if request.user.role not in (Role.CADRE, Role.UNIT):
        # Offices read the surveys that exist: households with one this year.
        found = found.filter(Exists(this_years))
    found = (
        found.annotate(
            survey_id=Subquery(this_years.values("pk")[:1]),
            exit_year=Subquery(this_years.values("exit_year")[:1]),
            cadre_name=Subquery(cadre_name),
        )
        .select_related("village")
        .order_by("village_code", "number")
    )
    if request.GET.get("show") == "todo":
        found = found.filter(survey_id__isnull=True)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "units/surveys.html",
        {"page": page, "year": year, "show": request.GET.get("show", "")},
    )


def _measure_initial(survey):
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
def survey(request, pk):
    household = unit_access.get_survey_household_for_user(request.user, pk)
    year = services.this_year()
    current = Survey.objects.filter(household=household, year=year).first()
    can_edit = unit_access.cadre_of(request.user) is not None
    form = formset = None
    if can_edit:
        initial = {}
        if current is not None:
            initial = {
                "version": current.version,
                "wishes": current.wishes,
                "exit_year": current.exit_year,
                "exit_plan": current.exit_plan,
            }
        form = SurveyForm(request.POST or None, initial=initial)
        formset = MeasureFormSet(
            request.POST or None, initial=_measure_initial(current), prefix="measures"
        )
        if request.method == "POST":
            if form.is_valid() and formset.is_valid():
                rows = [
                    f.cleaned_data
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ]
                try:
                    services.save_survey(
                        request.actor,
                        household,
                        wishes=form.cleaned_data["wishes"],
                        exit_year=form.cleaned_data["exit_year"],
                        exit_plan=form.cleaned_data["exit_plan"],
                        measures=rows,
                        version=form.cleaned_data["version"],
                    )
                except ActionError as exc:
                    show_error(form, exc)
                else:
                    messages.success(request, f"{year}年调查情况表已保存。")
                    return redirect("units:survey", household.pk)
    elif request.method == "POST":
        raise PermissionDenied
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
            "year": year,
            "form": form,
            "formset": formset,
            "surveys": history,
            "visits": household.visit_logs.select_related("cadre")[:50],
            "visit_form": VisitForm() if can_edit else None,
        },
    )


@cadre_only
@require_POST
def visit_add(request, pk):
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
def visit_photo(request, pk):
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
