import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from poverty_system.core import access
from poverty_system.core.rules import authenticated, public
from stats import home as stats_home
from units.access import unit_ids
from units.dashboard import summary_for
from units.models import Unit
from villages.views import region_root


@authenticated
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "slice_roots": access.slice_roots(user),
            "units": _units_of(user),
            "units_home": _units_home(user),
            "where": stats_home.for_user(user),
            # The region pages' own rule: the officers and the auditor see their slice named,
            # not linked to pages that would refuse them.
            "region_links": region_root.access_rule.allows(user),
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
def health(request: HttpRequest) -> HttpResponse:
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


def error_400(request, exception=None):
    """A request Django could not take (too large, too many fields, a bad Host): the reason
    in Chinese, without the layout (its context may be what failed)."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return bad_request(
            f"提交的内容过大（超过 {limit:g} MB），操作没有执行。"
            "请缩短文字，或把文件改用上传功能提交。"
        )
    if isinstance(exception, TooManyFieldsSent):
        return bad_request("一次提交的字段过多，操作没有执行。请分批操作。")
    return bad_request()


def bad_request(message: str = "") -> HttpResponse:
    return HttpResponse(render_to_string("400.html", {"message": message}), status=400)


def csrf_failure(request, reason=""):
    """The CSRF check failed (a page left open past its session, or a forged form)."""
    message = "页面已过期或安全校验未通过，操作没有执行。请返回上一页，刷新后重新提交。"
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


# The database is down, restarting or failing over, or a lock wait ran out: the request
# changed nothing (its transaction rolled back), so the answer is "busy, try again", not an
# error. Raised by the driver as Django's OperationalError or InterfaceError.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def error_500(request):
    # Django calls the handler inside its `except` block: the exception is the current one.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable()
    return render(request, "500.html", status=500)


def database_unavailable():
    """The 503 page: rendered without the request (its context processors read the database)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
