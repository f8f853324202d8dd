from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    """Rows of an append-only record: no UPDATE or DELETE through the ORM."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self.model._meta.verbose_name}只能追加，不能修改。")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model._meta.verbose_name}只能追加，不能删除。")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.verbose_name}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self._meta.verbose_name}只能追加，不能删除。")
