"""The project's URLs plus one page for a planned menu item (tests/test_menus.py): a planned
item becomes a live link as soon as its URL name resolves and its view admits the role."""

from django.http import HttpResponse
from django.urls import include, path

from portal.urls import urlpatterns as project_urls
from poverty_system.core.roles import Role
from poverty_system.core.rules import roles


@roles(Role.COUNTY)
def report(request):
    return HttpResponse("统计报表")


urlpatterns = [
    *project_urls,
    path("planned/", include(([path("report/", report, name="report")], "planned"))),
]

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
