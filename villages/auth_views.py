"""Login, the SMS step of village accounts, logout and password change."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.rules import authenticated, public

from . import accounts, auth
from .forms import ChinesePasswordChangeForm, CodeForm, LoginForm, PhoneChoiceForm
from .middleware import actor_for
from .models import User, VillagePhone

PENDING = "pending_village_login"


def _next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@public
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = auth.check_password_login(
                request.actor, request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except ActionError as exc:
            show_error(form, exc)
        else:
            if auth.needs_phone_step(user):
                # The password is right, but the account is not logged in until a registered
                # phone confirms it: the phone that verifies is the phone that claims.
                request.session.cycle_key()
                request.session[PENDING] = {"user": user.pk, "next": _next_url(request, "")}
                return redirect("login_phone")
            login(request, user)
            auth.record_login(actor_for(request, user), user)
            return redirect(_next_url(request))
    return render(
        request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")}
    )


def _pending_account(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


@public
def login_phone_view(request: HttpRequest) -> HttpResponse:
    """The SMS step of a village account: choose a registered phone, 获取验证码, enter it."""
    account = _pending_account(request)
    if account is None:
        messages.info(request, "请先输入用户名和密码。")
        return redirect("login")
    phones = list(account.phones.active().order_by("pk"))
    choice, code_form = _phone_forms(request, phones)
    if request.method == "POST" and choice.is_valid():
        try:
            phone = auth.registered_phone(account, choice.cleaned_data["phone"])
            if request.POST.get("action") == "send":
                return _send_code(request, account, phone)
            if code_form.is_valid():
                code = code_form.cleaned_data["code"]
                auth.verify_login_code(request.actor, account, phone, code)
                return _log_in(request, account, phone)
        except ActionError as exc:
            show_error(code_form if request.POST.get("action") == "verify" else choice, exc)
    return _phone_page(request, account, phones, choice, code_form)


def _phone_forms(
    request: HttpRequest, phones: list[VillagePhone]
) -> tuple[PhoneChoiceForm, CodeForm]:
    pending = request.session[PENDING]
    data = request.POST or None
    choice = PhoneChoiceForm(data, phones=phones, initial={"phone": pending.get("phone")})
    code_form = CodeForm(request.POST if request.POST.get("action") == "verify" else None)
    return choice, code_form


def _send_code(request: HttpRequest, account: User, phone: VillagePhone) -> HttpResponse:
    auth.send_login_code(request.actor, account, phone)
    request.session[PENDING] = {**request.session[PENDING], "phone": phone.pk}
    messages.success(request, f"验证码已发送至 {phone.masked}，5 分钟内有效。")
    return redirect("login_phone")


def _log_in(request: HttpRequest, account: User, phone: VillagePhone) -> HttpResponse:
    """The code was right: the account is logged in, verified by this phone."""
    next_url = request.session[PENDING].get("next") or "home"
    login(request, account, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(PENDING, None)
    request.session["verified_phone_id"] = phone.pk
    request.session["verified_phone_masked"] = f"{phone.masked}（{phone.holder}）"
    auth.record_login(actor_for(request, account), account)
    return redirect(next_url)


def _phone_page(
    request: HttpRequest,
    account: User,
    phones: list[VillagePhone],
    choice: PhoneChoiceForm,
    code_form: CodeForm,
) -> HttpResponse:
    sent_to = request.session[PENDING].get("phone")
    # A code typed in a stale tab still gets its error shown next to the code field.
    code_phone = sent_to or (request.POST.get("phone") if code_form.is_bound else None)
    context = {"account": account, "choice": choice, "code_form": code_form, "phones": phones}
    context |= {"sent_to": sent_to, "code_phone": code_phone}
    return render(request, "registration/login_phone.html", context)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.record_logout(request.actor)
    logout(request)  # flushes the session: its key is dead on the server too
    messages.info(request, "您已安全退出。")
    return redirect("login")


@authenticated
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = ChinesePasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = accounts.change_own_password(request.actor, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    user = request.user
    context = {"form": form, "forced": user.must_change_password}
    context["expired"] = not user.must_change_password and user.password_expired()
    context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
    return render(request, "registration/password_change.html", context)
