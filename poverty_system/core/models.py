"""Append-only records (`AppendOnly`: the model and its queryset refuse updates and deletes,
with the record's name in the message) and the audit trail (审计日志), one of them: one row per
security-relevant event, only ever inserted (poverty_system.core.audit.record); on PostgreSQL
a trigger refuses updates and deletes in the database too. There is no admin, form or view
that edits or deletes an entry.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet[_M]):
    """Rows of an append-only record: no UPDATE or DELETE through the ORM."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不可修改。")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model._meta.verbose_name}不可删除。")


class AppendOnly(models.Model):
    """A record that is only ever added to (events, movements, the audit trail): a correction
    is a new row, never an edit."""

    objects: Any = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self._meta.verbose_name}不可删除。")


class AuditEntry(AppendOnly):
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    role = models.CharField("角色", max_length=10, blank=True)
    phone = models.CharField("验证手机", max_length=11, blank=True)
    ip = models.CharField("IP 地址", max_length=45, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    action = models.CharField("操作", max_length=40, db_index=True)
    object_type = models.CharField("对象类型", max_length=40, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    region_code = models.CharField("区划代码", max_length=12, blank=True)
    outcome = models.CharField("结果", max_length=10, default="ok")
    detail = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["region_code", "at"], name="audit_region_at")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"
