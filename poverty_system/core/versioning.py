"""No lost updates: every edit form of a record carries the record's version.

`Versioned` adds a counter. A form renders it in a hidden `version` field; the action reads the
row under its lock (select_for_update) and calls `check_version`: a stale save is refused with
a Chinese message that lists what changed meanwhile, and the newer data stays. `bump` raises
the counter in the same save.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .errors import ActionError


class Versioned(models.Model):
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True


class StaleEdit(ActionError):
    """The record changed since the form was opened; `changes` says what changed."""

    def __init__(self, message: str, changes: list[Any] | None = None) -> None:
        super().__init__(message)
        self.changes = changes or []


def parse_version(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def check_version(
    locked: Versioned, expected: Any, *, changes: list[Any] | None = None, what: str = "该记录"
) -> None:
    """Refuse when the locked row's version is not the one the form was opened with.
    A missing or unreadable version counts as stale: a form always carries one."""
    number = parse_version(expected)
    if number is not None and number == locked.version:
        return
    raise StaleEdit(
        f"保存失败：{what}在您打开表单后已被他人修改（当前为第 {locked.version} 版）。"
        "为避免覆盖对方的修改，本次保存未生效；请查看下方的最新修改，刷新后重新填写。",
        changes,
    )


def bump(record: Versioned) -> None:
    record.version = (record.version or 0) + 1
