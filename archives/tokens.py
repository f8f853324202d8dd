"""QR tokens: made lazily in bulk, looked up by the public page, revoked and reissued by an
office (audited). A token carries 32 random bytes (256 bits), never the database id."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from households.access import get_household_for_user
from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.roles import MANAGE_QR_CODES

from .models import ArchiveToken

if TYPE_CHECKING:
    from households.models import Household

TOKEN_BYTES = 32
REISSUE_REASON = "重新生成二维码"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def public_url(token: str) -> str:
    """The absolute address a QR code encodes: SITE_URL + /q/<token>/."""
    return settings.SITE_URL + reverse("qr_public", args=[token])


def url_maker() -> Callable[[str], str]:
    """public_url for many tokens: the route reversed once (an export makes thousands)."""
    marker = "TOKEN0"
    prefix, suffix = public_url(marker).split(marker)
    return lambda token: f"{prefix}{token}{suffix}"


def ensure_tokens(household_ids: Iterable[int]) -> int:
    """Give every listed household that has no active token one, in bulk; returns how many
    were made. Two concurrent exports may race: the partial unique constraint refuses the
    second set, which is then retried for the households still lacking one."""
    ids = list(household_ids)
    made = 0
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for _attempt in range(3):
            having = set(
                ArchiveToken.objects.active()
                .filter(household_id__in=chunk)
                .values_list("household_id", flat=True)
            )
            missing = [pk for pk in chunk if pk not in having]
            if not missing:
                break
            try:
                with transaction.atomic():
                    ArchiveToken.objects.bulk_create(
                        [ArchiveToken(household_id=pk, token=new_token()) for pk in missing],
                        batch_size=500,
                    )
                made += len(missing)
                break
            except IntegrityError:
                continue
    return made


def active_token(household: Household) -> ArchiveToken:
    ensure_tokens([household.pk])
    return ArchiveToken.objects.active().get(household=household)


def find(token: str) -> ArchiveToken | None:
    if not token or len(token) > 64:
        return None
    return (
        ArchiveToken.objects.select_related("household", "household__village")
        .filter(token=token)
        .first()
    )


def reissue(actor: Actor, household_pk: object) -> ArchiveToken:
    """Revoke the household's active token (its printed codes then answer 已失效) and issue a
    new one. County and township offices (MANAGE_QR_CODES) over the household."""
    household = get_household_for_user(actor.user, household_pk, MANAGE_QR_CODES)
    with transaction.atomic(durable=True):
        old = ArchiveToken.objects.select_for_update().active().filter(household=household).first()
        if old is not None:
            old.end(actor, REISSUE_REASON)
            old.save(update_fields=list(ArchiveToken.END_FIELDS))
        token = ArchiveToken.objects.create(household=household, token=new_token())
        audit.record(
            actor,
            audit.QR_REISSUE,
            obj=household,
            detail={"number": household.number, "revoked": old is not None},
        )
    return token
