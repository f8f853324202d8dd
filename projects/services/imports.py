"""项目导入 and 资金导入: a county office's Excel file, checked whole (projects.sheets), then
written row by row through the same actions as the forms (library.enter_project,
funds.enter_movement) in one transaction. All or nothing: any problem of any row, found by
the file's check or refused by an action (a balance that would go negative), and nothing is
written; the problems come back per row and column in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.xlsx import Report, XlsxError, read_table
from villages.models import Region

from .. import sheets
from ..access import IMPORT_PROJECTS, RECORD_FUNDS, office_county
from ..errors import ProjectError
from . import funds, library

SHOWN = 500  # problems listed on the page


class ImportRefused(ProjectError):
    """Nothing written: `report` holds every problem by Excel row."""

    def __init__(self, report: Report):
        super().__init__(f"文件中有 {len(report)} 处问题，没有写入任何数据。请改正后重新导入。")
        self.report = report

    def problems(self) -> list[Any]:
        return sorted(self.report.problems, key=lambda p: p.row)[:SHOWN]


def _table(upload: Any, marks: tuple[str, ...]) -> Any:
    try:
        return read_table(upload, marks)
    except XlsxError as exc:
        raise ProjectError(exc.message, "file") from None


def _county(actor: Actor, perm: str) -> Region:
    county: Region | None = office_county(actor.user, perm)
    if county is None:
        raise PermissionDenied("只有县扶贫办可以导入。")
    return county


def _write(
    actor: Actor,
    county: Region,
    parsed: sheets.Parsed,
    write: Callable[[dict[str, Any]], Any],
    detail: dict[str, Any],
) -> int:
    """Each good row through the action, in order, in one transaction; rolled back whole
    when any row of the file has a problem."""
    report = parsed.report
    with transaction.atomic(durable=True):
        for number, data in parsed.rows:
            try:
                with transaction.atomic():
                    write(data)
            except ProjectError as exc:
                report.add(number, parsed.column(exc.field), exc.message)
        if not report.ok:
            raise ImportRefused(report)
        audit.record(
            actor,
            audit.IMPORT,
            region_code=county.code,
            detail={**detail, "rows": len(parsed.rows)},
        )
    return len(parsed.rows)


def import_projects(actor: Actor, upload: Any, file_name: str) -> int:
    """项目导入: each row a new project at 村级录入 in its village of the county."""
    county = _county(actor, IMPORT_PROJECTS)
    parsed = sheets.parse_library(_table(upload, sheets.LIBRARY_MARKS), county)
    reason = f"导入：{file_name}"[:100]

    def write(data: dict[str, Any]) -> None:
        region = data.pop("region")
        library.enter_project(actor, region, data, reason=reason)

    return _write(actor, county, parsed, write, {"what": "项目库", "file": file_name})


def import_movements(actor: Actor, upload: Any, file_name: str) -> int:
    """资金导入: each row one movement of the county's ledger, in the file's order."""
    county = _county(actor, RECORD_FUNDS)
    parsed = sheets.parse_ledger(_table(upload, sheets.LEDGER_MARKS), county)

    def write(data: dict[str, Any]) -> None:
        funds.enter_movement(actor, county, unique=True, **data)

    return _write(actor, county, parsed, write, {"what": "扶贫资金", "file": file_name})
