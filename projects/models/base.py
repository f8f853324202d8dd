from decimal import Decimal

from django.db import models

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0")


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of an append-only record: no UPDATE or DELETE through the ORM."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model._meta.verbose_name}只能追加，不能修改。")

    def delete(self):
        raise TypeError(f"{self.model._meta.verbose_name}只能追加，不能删除。")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{self._meta.verbose_name}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self._meta.verbose_name}只能追加，不能删除。")
