"""The project's URLs plus a `units:surveys` page, as issue 05 will add it: a planned menu item
becomes a live link as soon as its URL name resolves and its view admits the role."""

from django.http import HttpResponse
from django.urls import include, path

from poverty_system.roles import Role
from poverty_system.rules import roles
from poverty_system.urls import urlpatterns as project_urls


@roles(Role.CADRE)
def surveys(request):
    return HttpResponse("贫困户信息调查情况表")


urlpatterns = [
    *project_urls,
    path("units/", include(([path("surveys/", surveys, name="surveys")], "units"))),
]

handler403 = "poverty_system.views.error_403"
handler404 = "poverty_system.views.error_404"
handler500 = "poverty_system.views.error_500"
