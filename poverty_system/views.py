from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from units.access import unit_ids
from units.dashboard import summary_for
from units.models import Unit

from . import access
from .rules import authenticated, public


@authenticated
def home(request):
    user = request.user
    return render(
        request,
        "home.html",
        {
            "slice_roots": access.slice_roots(user),
            "units": _units_of(user),
            "units_home": _units_home(user),
        },
    )


def _units_of(user):
    """The units a unit or cadre account acts for (none for other roles)."""
    ids = unit_ids(user)
    return list(Unit.objects.filter(pk__in=ids).select_related("region")) if ids else []


def _units_home(user):
    """A unit or cadre account's summary (its villages, households, cadres / its households
    still to survey); None for other roles."""
    return summary_for(user)


@public
def health(request):
    """Load balancer probe: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request, exception=None):
    # A refusal may say why (e.g. which phone holds a household's claim); most say nothing.
    message = ""
    if exception is not None:
        message = getattr(exception, "message", "") or (
            str(exception) if isinstance(exception, PermissionDenied) else ""
        )
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
