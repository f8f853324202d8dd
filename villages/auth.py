"""Login steps: password with lockout, then (village accounts) an SMS code to a registered phone."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from poverty_system.roles import Role
from poverty_system.sms import SmsError, send_sms

from .models import SmsChallenge, User, VillagePhone


class LoginError(Exception):
    """A refusal with the Chinese message to show the person logging in."""


def check_password_login(request, username: str, password: str) -> User:
    """Authenticate, counting failures: 5 in a row lock the account for 15 minutes."""
    now = timezone.now()
    with transaction.atomic():
        account = User.objects.select_for_update().filter(username=username).first()
        if account is not None and account.is_locked(now):
            minutes = int((account.locked_until - now).total_seconds() // 60) + 1
            error = f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试。"
        else:
            user = authenticate(request, username=username, password=password)
            if user is not None:
                if user.failed_logins or user.locked_until:
                    user.failed_logins, user.locked_until = 0, None
                    user.save(update_fields=["failed_logins", "locked_until"])
                return user
            error = "用户名或密码错误。"
            if account is not None:
                _count_failure(account, now)
    # Raised outside the transaction so that the failure count is kept.
    raise LoginError(error)


def _count_failure(account: User, now) -> None:
    account.failed_logins += 1
    if account.failed_logins >= settings.LOGIN_MAX_FAILURES:
        account.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        account.failed_logins = 0
    account.save(update_fields=["failed_logins", "locked_until"])


def needs_phone_step(user: User) -> bool:
    return user.role == Role.VILLAGE


def _hash_code(account_id: int, phone: str, code: str) -> str:
    message = f"{account_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def registered_phone(account: User, phone_id) -> VillagePhone:
    phone = VillagePhone.objects.active().filter(account=account, pk=phone_id).first()
    if phone is None:
        raise LoginError("请选择本村登记的手机号码。")
    return phone


@transaction.atomic
def send_login_code(account: User, phone: VillagePhone) -> SmsChallenge:
    """Send a fresh 6-digit code; at most one per account every SMS_RESEND_SECONDS."""
    now = timezone.now()
    User.objects.select_for_update().filter(pk=account.pk).first()  # serialise resends
    last = account.sms_challenges.order_by("-sent_at").first()
    if last and (now - last.sent_at).total_seconds() < settings.SMS_RESEND_SECONDS:
        wait = settings.SMS_RESEND_SECONDS - int((now - last.sent_at).total_seconds())
        raise LoginError(f"验证码发送过于频繁，请 {wait} 秒后再试。")
    # A new code replaces any earlier one still open.
    account.sms_challenges.filter(consumed_at__isnull=True).update(consumed_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = SmsChallenge.objects.create(
        account=account,
        phone=phone.phone,
        code_hash=_hash_code(account.pk, phone.phone, code),
        sent_at=now,
        expires_at=now + timedelta(seconds=settings.SMS_CODE_VALID_SECONDS),
    )
    minutes = settings.SMS_CODE_VALID_SECONDS // 60
    try:
        send_sms(
            phone.phone,
            f"您的精准扶贫系统登录验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略。",
            code=code,
        )
    except SmsError as exc:
        raise LoginError(str(exc)) from exc
    return challenge


def verify_login_code(account: User, phone: VillagePhone, code: str) -> None:
    """Check a code: single use, valid 5 minutes, dead after 5 wrong tries."""
    now = timezone.now()
    with transaction.atomic():
        challenge = (
            SmsChallenge.objects.select_for_update()
            .filter(account=account, phone=phone.phone, consumed_at__isnull=True)
            .order_by("-sent_at")
            .first()
        )
        if challenge is None:
            raise LoginError("请先获取验证码。")
        if challenge.expires_at <= now:
            raise LoginError("验证码已过期，请重新获取。")
        expected = challenge.code_hash
        if hmac.compare_digest(expected, _hash_code(account.pk, phone.phone, code.strip())):
            challenge.consumed_at = now
            challenge.save(update_fields=["consumed_at"])
            return
        challenge.attempts += 1
        exhausted = challenge.attempts >= settings.SMS_CODE_MAX_ATTEMPTS
        if exhausted:
            challenge.consumed_at = now
        challenge.save(update_fields=["attempts", "consumed_at"])
    if exhausted:
        raise LoginError("验证码错误次数过多，已失效，请重新获取。")
    left = settings.SMS_CODE_MAX_ATTEMPTS - challenge.attempts
    raise LoginError(f"验证码错误，还可尝试 {left} 次。")


def verified_phone(request) -> VillagePhone | None:
    """The phone that verified this village session, if it is still registered and active.

    Claims, registrations and edits act under this phone (procedure 2 of the manual)."""
    phone_id = request.session.get("verified_phone_id")
    if not phone_id or not request.user.is_authenticated:
        return None
    cached = getattr(request, "_verified_phone", None)
    if cached is not None and cached[0] == (phone_id, request.user.pk):
        return cached[1]
    phone = VillagePhone.objects.active().filter(pk=phone_id, account=request.user).first()
    request._verified_phone = ((phone_id, request.user.pk), phone)
    return phone
