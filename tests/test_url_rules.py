"""Every view declares an access rule, and a view that declares none is refused (deny by
default), even to the administrator."""

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from poverty_system.core.rules import Rule


def walk(patterns, prefix=""):
    """(route, callback) of every URL pattern, through included URLconfs."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def test_the_walk_sees_the_project_urls():
    routes = {route for route, _ in walk(get_resolver().url_patterns)}
    # Guard against a walk that silently finds nothing (e.g. included URLconfs skipped).
    assert {
        "login/",
        "regions/<int:pk>/",
        "accounts/<int:pk>/reset-password/",
        "phones/<int:pk>/<int:phone_pk>/deactivate/",
    } <= routes


def test_every_view_declares_an_access_rule():
    missing = [
        f"{route} -> {callback.__module__}.{callback.__qualname__}"
        for route, callback in walk(get_resolver().url_patterns)
        if not isinstance(getattr(callback, "access_rule", None), Rule)
    ]
    assert not missing, "views without an access rule (poverty_system.core.rules):\n" + "\n".join(
        missing
    )


def test_the_walk_also_reports_an_undeclared_view():
    from tests import urls_undeclared

    undeclared = [
        route
        for route, callback in walk(urls_undeclared.urlpatterns)
        if getattr(callback, "access_rule", None) is None
    ]
    assert undeclared == ["undeclared/"]


@override_settings(ROOT_URLCONF="tests.urls_undeclared")
def test_view_without_a_rule_is_refused_even_to_the_administrator(world, login):
    client = login(world.admin)
    assert client.get("/").status_code == 200  # the administrator is logged in and served

    response = client.get("/undeclared/")

    assert response.status_code == 403
    assert "这一页不应出现" not in response.content.decode()
    assert client.post("/undeclared/").status_code == 403


@override_settings(ROOT_URLCONF="tests.urls_undeclared")
def test_view_without_a_rule_is_refused_to_anonymous_visitors(client, db):
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert "这一页不应出现" not in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/regions/", "/accounts/", "/phones/", "/password/"])
def test_pages_behind_a_login_rule_send_anonymous_visitors_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")


def test_public_pages_need_no_login(client, db):
    assert client.get("/login/").status_code == 200
    assert client.get("/health/").json() == {"status": "ok"}
