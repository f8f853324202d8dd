"""The change log (修改日志) of records, written from the Actor.

Models declare `history = ExplicitHistory(...)`: simple-history's tables and readers, but no
history row is written by a save signal. Every write goes through `save`, `bulk_create` or
`bulk_update` here, which take the Actor, so a form, a batch action, a seed and an import all
leave the same rows, stamped with the account and the verified phone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .actor import Actor

if TYPE_CHECKING:
    from .types import AuthUser

REASON_MAX = 100


class ExplicitHistory(HistoricalRecords):  # type: ignore[misc]  # untyped library
    """HistoricalRecords without the save/delete signals: rows come only from this module."""

    def post_save(self, instance: Any, created: bool, using: Any = None, **kwargs: Any) -> None:
        return None

    def post_delete(self, instance: Any, using: Any = None, **kwargs: Any) -> None:
        return None


class PhoneHistory(models.Model):
    """Extra column of every history row: the verified phone of the session that made it."""

    history_phone = models.CharField("验证手机", max_length=11, blank=True)

    class Meta:
        abstract = True


def _attrs(model: type[models.Model], actor: Actor) -> dict[str, Any]:
    history_model = model.history.model  # type: ignore[attr-defined]
    names = {f.name for f in history_model._meta.get_fields()}
    return {"history_phone": actor.phone_number} if "history_phone" in names else {}


def _user(actor: Actor) -> AuthUser | None:
    return actor.account_or_none


def write(
    actor: Actor,
    objs: Sequence[models.Model],
    *,
    created: bool,
    reason: str = "",
    batch_size: int | None = None,
) -> None:
    """History rows for objects already written to the database."""
    if not objs:
        return
    model = type(objs[0])
    model.history.bulk_history_create(  # type: ignore[attr-defined]
        list(objs),
        batch_size=batch_size,
        update=not created,
        default_user=_user(actor),
        default_change_reason=reason[:REASON_MAX],
        custom_historical_attrs=_attrs(model, actor),
    )


def save(
    actor: Actor, obj: models.Model, *, reason: str = "", update_fields: Iterable[str] | None = None
) -> None:
    """Save one record and its history row (+ for a new record, ~ for a change)."""
    created = obj._state.adding
    obj.save(update_fields=list(update_fields) if update_fields is not None else None)
    write(actor, [obj], created=created, reason=reason)


def bulk_create(
    actor: Actor, objs: Sequence[models.Model], *, reason: str = "", batch_size: int | None = 1000
) -> list[Any]:
    """Insert many records with their baseline history rows (seeding, imports)."""
    if not objs:
        return []
    model = type(objs[0])
    created = model._default_manager.bulk_create(list(objs), batch_size=batch_size)
    write(actor, created, created=True, reason=reason, batch_size=batch_size)
    return created


def bulk_update(
    actor: Actor,
    objs: Sequence[models.Model],
    fields: Sequence[str],
    *,
    reason: str = "",
    batch_size: int | None = 1000,
) -> None:
    """Update many records and write one history row each (batch actions)."""
    if not objs:
        return
    model = type(objs[0])
    model._default_manager.bulk_update(list(objs), list(fields), batch_size=batch_size)
    write(actor, objs, created=False, reason=reason, batch_size=batch_size)


def insert_baselines(
    actor: Actor,
    model: type[models.Model],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    reason: str = "",
    date: Any = None,
    date_column: str | None = None,
    missing_only: bool = False,
    history_model: type[models.Model] | None = None,
    using: str = "default",
) -> int:
    """Baseline (+) history rows for rows already in the table, in one `INSERT … SELECT`:
    the bulk path of raw-SQL writers (seeding, imports) and of the data migration that fills
    in missing baselines. `where` is SQL on the base table (aliased `b`) with `params`;
    history_date is `date` (default now), or the row's `date_column` where it is set;
    `missing_only` skips rows that already have a history row. `history_model` defaults to
    the model's own (a migration passes the models of its state). Returns the rows written."""
    connection = connections[using]
    qn = connection.ops.quote_name
    history_model = history_model or model.history.model  # type: ignore[attr-defined]
    date = connection.ops.adapt_datetimefield_value(date or timezone.now())
    stamp = {
        "history_date": date,
        "history_user_id": actor.user_id,
        "history_change_reason": reason[:REASON_MAX],
        "history_phone": actor.phone_number,
    }
    base_columns = {f.column for f in model._meta.concrete_fields}
    pk = qn(model._meta.pk.column)
    names, values, args = [], [], []
    for f in history_model._meta.concrete_fields:
        column = f.column
        if column == "history_id":
            continue
        names.append(qn(column))
        if column == "history_type":
            values.append("'+'")
        elif column == "history_date" and date_column:
            values.append(f"COALESCE(b.{qn(date_column)}, %s)")
            args.append(date)
        elif column in stamp:
            values.append("%s")
            args.append(stamp[column])
        elif column in base_columns:
            values.append(f"b.{qn(column)}")
        else:
            values.append("NULL")
    conditions = [f"({where})"] if where else []
    if missing_only:
        history_table = qn(history_model._meta.db_table)
        conditions.append(
            f"NOT EXISTS (SELECT 1 FROM {history_table} h WHERE h.{pk} = b.{pk})"  # noqa: S608
        )
    sql = (
        f"INSERT INTO {qn(history_model._meta.db_table)} ({', '.join(names)})"  # noqa: S608
        f" SELECT {', '.join(values)} FROM {qn(model._meta.db_table)} b"
        + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params])
        return int(cursor.rowcount)
