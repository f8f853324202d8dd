"""Every export writes an audit entry with its row count (issue 14, item 6: the gaps 09–13
left). The exports that already counted their rows are tested where they are built
(exchange, archives, reports, households imports, 部门数据比对); the natural-village sheet's
count is asserted in tests/test_natural_villages.py."""

import io

import openpyxl
import pytest
from docx import Document

from poverty_system.core import audit
from poverty_system.core.actor import Actor
from poverty_system.core.models import AuditEntry
from projects.services import funds

from .assessment_data import poor_household
from .households_data import member, no_sms_throttle, register  # noqa: F401
from .identification_data import admit
from .projects_data import days_ago, make_project, walk

pytestmark = pytest.mark.django_db


def last_export(username: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=audit.EXPORT, username=username).latest("pk")


def sheet_rows(content: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(content), read_only=True).active.values)


def test_a_statistics_export_is_audited_with_its_rows(world, login):
    poor_household(world, "户甲")
    client = login(world.county_office)
    response = client.get("/stats/", {"table": "status", "format": "xlsx"})
    rows = sheet_rows(response.content)
    entry = last_export("county")
    assert entry.detail["what"] == "统计" and entry.detail["rows"] == len(rows) - 2  # title, head
    assert entry.detail["rows"] >= 2 and entry.region_code == world.county.code


PROJECT_EXPORTS = [
    ("/projects/funds/?format=xlsx", "扶贫资金汇总查询"),
    ("/projects/funds/received/?format=xlsx", "扶贫资金到账查询"),
    ("/projects/funds/ledger/?format=xlsx", "扶贫资金台账"),
    ("/projects/assets/?format=xlsx", "扶贫项目资产台账"),
    ("/projects/?format=xlsx", None),
]


@pytest.mark.parametrize("url, what", PROJECT_EXPORTS)
def test_a_project_or_fund_export_is_audited_with_its_rows(world, login, url, what):
    project = walk(world, make_project(world), "approve")
    for kind, amount in (("received", "500000"), ("received", "8000"), ("arranged", "3000")):
        funds.record(
            Actor(world.county_office),
            world.county,
            kind=kind,
            source="central",
            amount=amount,
            date=days_ago(0),
            doc_number="赣财农〔2026〕1号",
            project=project if kind == "arranged" else None,
        )
    response = login(world.county_office).get(url)
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    entry = last_export("county")
    assert entry.detail["rows"] == len(rows) - 1  # the header
    if what is not None:
        assert entry.detail["what"] == what
    assert entry.region_code == world.county.code  # the county's auditor reads it


def test_the_notice_word_file_is_audited_with_its_rows(world, login):
    household = register(
        world.village_account, world.phone, [member("冯十一")], admitted=False, group="三组"
    )
    admit(household, Actor(world.village_account, world.phone), until="village_publicity")
    client = login(world.village_account, world.phone)
    response = client.get(
        f"/identification/villages/{world.village.pk}/notice.docx?stage=village_publicity"
    )
    assert response.status_code == 200
    table = Document(io.BytesIO(response.content)).tables[0]
    entry = last_export("village")
    assert entry.detail["rows"] == len(table.rows) - 1 == 1
    assert entry.detail["stage"] == "village_publicity"
    assert entry.object_id == str(world.village.pk) and entry.region_code == world.village.code
