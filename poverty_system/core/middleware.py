from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers, patch_vary_headers

logger = logging.getLogger(__name__)

PASSWORD_CHANGE_ALLOWED = {"password_change", "logout"}

GetResponse = Callable[[HttpRequest], HttpResponseBase]


NUL_REFUSAL = "请求中含有无效字符（空字符），请检查输入后重试。"


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


class NulCharacterMiddleware:
    """A NUL character can be stored by no text column (PostgreSQL refuses it outright), so a
    path or parameter carrying one is refused here with a Chinese 400 before any view runs."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            page = render_to_string("400.html", {"message": NUL_REFUSAL})
            return HttpResponseBadRequest(page)
        return self.get_response(request)


class AccessRuleMiddleware:
    """Enforces the access rule each view declares; a view with none is refused."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        rule = getattr(view_func, "access_rule", None)
        if rule is None:
            logger.error("View %s declares no access rule; refused.", view_func)
            raise PermissionDenied
        if rule.requires_login and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rule.allows(request.user):
            raise PermissionDenied
        return None


class ForcePasswordChangeMiddleware:
    """An account with a password set by someone else must choose its own first; so must one
    whose password is older than PASSWORD_MAX_AGE_DAYS (the login succeeds, every page then
    leads to the change page)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and user.password_change_required():
            try:
                url_name = resolve(request.path_info).url_name
            except Resolver404:
                url_name = None
            if url_name not in PASSWORD_CHANGE_ALLOWED:
                return redirect("password_change")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages answered to a logged-in account carry personal data: no browser or proxy may keep
    them (Cache-Control: no-store, private). So do the login steps, whose pages name the
    account's phones. Static files are served before this (whitenoise) and keep their caching."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/login/"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
            patch_vary_headers(response, ["Cookie"])
        return response
