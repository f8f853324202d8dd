"""Batched raw INSERTs of planned households and their members (executemany on SQLite,
execute_values on PostgreSQL), each batch followed by the baseline (+) rows of their change
log, written in bulk by poverty_system.core.changelog.insert_baselines and stamped with the
seeding's actor and reason (初始数据): the first edit of a seeded household shows old → new."""

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from households.models import Household, Member
from poverty_system.core import changelog
from poverty_system.core.actor import Actor

from .generator import Plan

SEED_REASON = "初始数据"


def _columns(model, skip=("id",)):
    return [f for f in model._meta.concrete_fields if f.column not in skip]


def _defaults(fields) -> dict:
    return {f.attname: f.get_default() for f in fields}


class Writer:
    """Batched raw INSERTs; ids of households are reserved first so members can point to
    them without reading anything back."""

    def __init__(self, actor: Actor | None = None, reason: str = SEED_REASON):
        self.actor = actor or Actor.system(AnonymousUser(), via="command")
        self.reason = reason
        self.vendor = connection.vendor
        self.household_fields = _columns(Household, skip=())
        self.member_fields = _columns(Member)
        self.household_defaults = _defaults(self.household_fields)
        self.member_defaults = _defaults(self.member_fields)
        self.now = timezone.now()
        self.stamp = connection.ops.adapt_datetimefield_value(self.now)

    def reserve_household_ids(self, n: int) -> list[int]:
        table = Household._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - table name
            top = cursor.fetchone()[0] or 0
            if self.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + n + 1))

    def insert(self, model, fields, rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(
                    cursor.cursor,
                    f'INSERT INTO "{table}" ({columns}) VALUES %s',  # noqa: S608
                    rows,
                    page_size=1000,
                )
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(
                    f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # noqa: S608
                    rows,
                )

    def write(self, plans: list[Plan]) -> list[int]:
        ids = self.reserve_household_ids(len(plans))
        household_rows, member_rows = [], []
        json = connection.ops.adapt_json_value
        for pk, plan in zip(ids, plans, strict=True):
            values = {
                **self.household_defaults,
                **plan.values,
                "id": pk,
                "number": plan.number,
                "village_id": plan.village.pk,
                "village_code": plan.village.code,
                "created_at": self.stamp,
                "registered_at": self.stamp,
                "created_by_id": None,
            }
            values["other_causes"] = json(values["other_causes"], None)
            household_rows.append(tuple(values[f.attname] for f in self.household_fields))
            for person_values in plan.members:
                row = {**self.member_defaults, **person_values, "household_id": pk}
                member_rows.append(tuple(row[f.attname] for f in self.member_fields))
        self.insert(Household, self.household_fields, household_rows)
        self.insert(Member, self.member_fields, member_rows)
        self.write_baselines(ids)
        return ids

    def write_baselines(self, ids: list[int]) -> None:
        """The change log's baseline rows of the households `ids` and of their members."""
        if not ids:
            return
        if self.vendor == "postgresql":
            where, params = "{} = ANY(%s)", [list(ids)]
        elif ids == list(range(ids[0], ids[0] + len(ids))):  # reserved in one run
            where, params = "{} BETWEEN %s AND %s", [ids[0], ids[-1]]
        else:
            marks = ", ".join(["%s"] * len(ids))
            where, params = "{} IN (" + marks + ")", list(ids)
        for model, column in ((Household, "b.id"), (Member, "b.household_id")):
            changelog.insert_baselines(
                self.actor,
                model,
                where=where.format(column),
                params=params,
                reason=self.reason,
                date=self.now,
            )
