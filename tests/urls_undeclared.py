"""A URLconf for tests/test_url_rules.py: the project's URLs plus one view that declares no
access rule, to prove that AccessRuleMiddleware refuses it (deny by default)."""

from django.http import HttpResponse
from django.urls import include, path


def undeclared(request):
    return HttpResponse("这一页不应出现")


urlpatterns = [
    path("undeclared/", undeclared, name="undeclared"),
    path("", include("portal.urls")),
]

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
