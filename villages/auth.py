"""Login steps: password with lockout, then (village accounts) an SMS code to a registered phone.

Lockout (own small model, not django-axes: see LoginThrottle): failures are counted per typed
username and client address (LOGIN_MAX_FAILURES → locked LOGIN_LOCKOUT_MINUTES) and per
username from any address (LOGIN_ACCOUNT_MAX_FAILURES, against spraying). Unknown usernames
are counted exactly like known ones, so no answer tells which accounts exist.

SMS codes and the resend limit belong to a phone, not to the account: several cadres share a
village account, each with their own phone, and may log in at the same time.

Every step writes the audit trail (never the password or the code)."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from poverty_system.core import access, audit
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.ids import parse_id
from poverty_system.core.sms import SmsError, send_sms

from .models import LoginThrottle, SmsChallenge, User, VillagePhone, mask_phone


class LoginError(ActionError):
    """A refusal with the Chinese message to show the person logging in."""


def _region_code(user: User) -> str:
    from .accounts import account_regions

    regions = account_regions(user)
    return regions[0].code if regions else ""


def _minutes_left(until: datetime, now: datetime) -> int:
    return int((until - now).total_seconds() // 60) + 1


def _locked_message(minutes: int) -> str:
    return f"连续登录失败次数过多，已锁定，请 {minutes} 分钟后再试。"


def check_password_login(actor: Actor, request: HttpRequest, username: str, password: str) -> User:
    """Authenticate under the lockout rules. `actor` is the anonymous visitor (its IP counts).

    The answer depends only on the typed name, the address and the counts, never on whether
    an account has that name."""
    now = timezone.now()
    username = username[:150]
    ip = actor.ip
    with transaction.atomic(durable=True):
        rows = list(
            LoginThrottle.objects.select_for_update().filter(username=username, ip__in=[ip, ""])
        )
        locks = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
        if locks:
            error = _locked_message(_minutes_left(max(locks), now))
            outcome_detail = {"reason": "locked"}
            user = None
        else:
            user = authenticate(request, username=username, password=password)
            if user is not None:
                # A success clears this address's count; the account-wide count only
                # expires, so that a spraying run cannot be reset by the real users' logins.
                LoginThrottle.objects.filter(username=username, ip=ip).exclude(ip="").delete()
                return user
            error, outcome_detail = _count_failure(actor, username, ip, now)
    audit.record(
        actor,
        audit.LOGIN_FAILED,
        outcome=audit.DENIED if outcome_detail.get("reason") == "locked" else audit.FAILED,
        username=username,
        detail=outcome_detail,
    )
    # Raised outside the transaction so that the failure count is kept.
    raise LoginError(error)


def _count_failure(
    actor: Actor, username: str, ip: str, now: datetime
) -> tuple[str, dict[str, Any]]:
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    # Counts of names nobody tried for a while go, so that guessing many names cannot grow
    # the table without bound (one indexed DELETE per failure).
    LoginThrottle.objects.filter(last_failure_at__lt=now - window).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()
    limits = {ip: settings.LOGIN_MAX_FAILURES, "": settings.LOGIN_ACCOUNT_MAX_FAILURES}
    if not ip:  # no address known: only the account-wide count applies
        limits = {"": settings.LOGIN_ACCOUNT_MAX_FAILURES}
    left = []
    locked = []
    for key_ip, limit in limits.items():
        row, _ = LoginThrottle.objects.get_or_create(username=username, ip=key_ip)
        row = LoginThrottle.objects.select_for_update().get(pk=row.pk)
        if row.last_failure_at is None or now - row.last_failure_at > window:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            row.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            row.failures = 0
            locked.append("account" if key_ip == "" else "address")
        else:
            left.append(limit - row.failures)
        row.save()
    if locked:
        audit.record(
            actor,
            audit.LOCKOUT,
            outcome=audit.DENIED,
            username=username,
            detail={"scope": sorted(locked), "minutes": settings.LOGIN_LOCKOUT_MINUTES},
        )
        return _locked_message(settings.LOGIN_LOCKOUT_MINUTES), {"reason": "locked_now"}
    remaining = min(left)
    return f"用户名或密码错误，还可尝试 {remaining} 次。", {"reason": "password", "left": remaining}


def record_login(actor: Actor, user: User) -> None:
    audit.record(actor, audit.LOGIN, obj=user, region_code=_region_code(user))


def record_logout(actor: Actor) -> None:
    account = actor.account_or_none
    if account is not None:
        audit.record(actor, audit.LOGOUT, obj=account, region_code=_region_code(account))


def needs_phone_step(user: User) -> bool:
    return access.signs_in_by_phone(user)


def _hash_code(account_id: int, phone: str, code: str) -> str:
    message = f"{account_id}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def registered_phone(account: User, phone_id: object) -> VillagePhone:
    pk = parse_id(phone_id)
    phone = VillagePhone.objects.active().filter(account=account, pk=pk).first() if pk else None
    if phone is None:
        raise LoginError("请选择本村登记的手机号码。")
    return phone


def _phone_actor(actor: Actor, account: User, phone: VillagePhone) -> Actor:
    """The actor of an SMS step: the account (not yet logged in) and the phone it chose."""
    if not actor.is_authenticated or actor.user.pk != account.pk:
        actor = Actor(user=account, ip=actor.ip, request_id=actor.request_id, via=actor.via)
    return actor.with_phone(phone)


def send_login_code(actor: Actor, account: User, phone: VillagePhone) -> SmsChallenge:
    """Send a fresh 6-digit code to one phone; at most one per phone every SMS_RESEND_SECONDS.

    A new code replaces only the earlier open code of the same phone: the codes of the other
    cadres of a shared village account stay valid."""
    actor = _phone_actor(actor, account, phone)
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Serialise resends of this phone (not of the whole account).
        VillagePhone.objects.select_for_update().filter(pk=phone.pk).first()
        mine = SmsChallenge.objects.filter(account=account, phone=phone.phone)
        last = mine.order_by("-sent_at").first()
        if last and (now - last.sent_at).total_seconds() < settings.SMS_RESEND_SECONDS:
            wait = settings.SMS_RESEND_SECONDS - int((now - last.sent_at).total_seconds())
            raise LoginError(f"验证码发送过于频繁，请 {wait} 秒后再试。")
        mine.filter(consumed_at__isnull=True).update(consumed_at=now)
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
                f"您的精准扶贫系统登录验证码为 {code}，{minutes} 分钟内有效。"
                "如非本人操作，请忽略。",
                code=code,
            )
        except SmsError as exc:
            transaction.set_rollback(True)
            error: LoginError | None = LoginError(str(exc))
        else:
            error = None
    region = _region_code(account)
    if error is not None:
        audit.record(
            actor,
            audit.SMS_SENT,
            obj=account,
            region_code=region,
            outcome=audit.FAILED,
            detail={"phone": mask_phone(phone.phone), "reason": "gateway"},
        )
        raise error
    audit.record(
        actor,
        audit.SMS_SENT,
        obj=account,
        region_code=region,
        detail={"phone": mask_phone(phone.phone)},
    )
    return challenge


def verify_login_code(actor: Actor, account: User, phone: VillagePhone, code: str) -> None:
    """Check a code: single use, valid 5 minutes, dead after 5 wrong tries."""
    actor = _phone_actor(actor, account, phone)
    now = timezone.now()
    reason = ""
    with transaction.atomic(durable=True):
        challenge = (
            SmsChallenge.objects.select_for_update()
            .filter(account=account, phone=phone.phone, consumed_at__isnull=True)
            .order_by("-sent_at")
            .first()
        )
        if challenge is None:
            reason, error = "no_code", "请先获取验证码。"
        elif challenge.expires_at <= now:
            reason, error = "expired", "验证码已过期，请重新获取。"
        elif hmac.compare_digest(
            challenge.code_hash, _hash_code(account.pk, phone.phone, code.strip())
        ):
            challenge.consumed_at = now
            challenge.save(update_fields=["consumed_at"])
        else:
            challenge.attempts += 1
            exhausted = challenge.attempts >= settings.SMS_CODE_MAX_ATTEMPTS
            if exhausted:
                challenge.consumed_at = now
            challenge.save(update_fields=["attempts", "consumed_at"])
            if exhausted:
                reason, error = "exhausted", "验证码错误次数过多，已失效，请重新获取。"
            else:
                left = settings.SMS_CODE_MAX_ATTEMPTS - challenge.attempts
                reason, error = "wrong", f"验证码错误，还可尝试 {left} 次。"
    region = _region_code(account)
    if reason:
        audit.record(
            actor,
            audit.SMS_FAILED,
            obj=account,
            region_code=region,
            outcome=audit.FAILED,
            detail={"phone": mask_phone(phone.phone), "reason": reason},
        )
        raise LoginError(error)
    audit.record(
        actor,
        audit.SMS_VERIFIED,
        obj=account,
        region_code=region,
        detail={"phone": mask_phone(phone.phone)},
    )


def verified_phone(request: HttpRequest) -> VillagePhone | None:
    """The phone that verified this village session, if it is still registered and active.

    Claims, registrations and edits act under this phone (procedure 2 of the manual)."""
    phone_id = request.session.get("verified_phone_id")
    if not phone_id or not request.user.is_authenticated:
        return None
    cached = getattr(request, "_verified_phone", None)
    if cached is not None and cached[0] == (phone_id, request.user.pk):
        return cast("VillagePhone | None", cached[1])
    phone: VillagePhone | None = (
        VillagePhone.objects.active().filter(pk=phone_id, account=request.user).first()
    )
    request._verified_phone = ((phone_id, request.user.pk), phone)  # type: ignore[attr-defined]
    return phone
