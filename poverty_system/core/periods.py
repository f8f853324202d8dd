"""Workflow periods: who was paired with what, and when (claims, unit links, assignments,
village phone registrations, QR tokens).

One shape for all of them: a row starts (`started_at`) and may end (`ended_at`, `ended_by`,
`end_reason`); it is active while it has no end, which is the one fact (no flag beside it).
Ending a period never deletes it: the history reads the ended rows. At most one active row
per subject is the database's rule, a partial unique constraint on the same condition
(`one_active`). An app adds what its periods carry besides (the units' year, starter and
kind of end).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

if TYPE_CHECKING:
    from .actor import Actor

REASON_MAX = 200

ACTIVE = Q(ended_at__isnull=True)

_M = TypeVar("_M", bound=models.Model, covariant=True)


class PeriodQuerySet(models.QuerySet[_M]):
    def active(self) -> Self:
        return self.filter(ACTIVE)

    def ended(self) -> Self:
        return self.exclude(ACTIVE)

    def active_first(self, *then: str) -> Self:
        """Active rows before ended ones, then by `then`."""
        return self.order_by(ExpressionWrapper(ACTIVE, output_field=BooleanField()).desc(), *then)

    def end(
        self,
        actor: Actor,
        reason: str = "",
        *,
        at: datetime.datetime | None = None,
        **more: Any,
    ) -> int:
        """End every row of the queryset in one UPDATE (`more`: an app's own end fields)."""
        return self.update(
            ended_at=at or timezone.now(),
            ended_by=actor.account_or_none,
            end_reason=reason[:REASON_MAX],
            **more,
        )


class Period(models.Model):
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.CharField("结束原因", max_length=REASON_MAX, blank=True)

    objects = PeriodQuerySet.as_manager()

    END_FIELDS: ClassVar[tuple[str, ...]] = ("ended_at", "ended_by", "end_reason")

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def end(self, actor: Actor, reason: str = "", *, at: datetime.datetime | None = None) -> None:
        """Mark the period ended by the actor (the caller saves `END_FIELDS`)."""
        self.ended_at = at or timezone.now()
        self.ended_by = actor.account_or_none
        self.end_reason = reason[:REASON_MAX]

    @staticmethod
    def one_active(name: str, *fields: str) -> models.UniqueConstraint:
        """At most one active period per `fields` (a partial unique index)."""
        return models.UniqueConstraint(fields=list(fields), condition=ACTIVE, name=name)
