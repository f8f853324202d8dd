"""The fund ledger (issue 12, item 3): append-only movements, balances as sums, refusals
of a movement that would make a balance negative, 资金查询 by region, year and source."""

import contextlib
import io
import threading
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import Http404

from poverty_system.core.actor import Actor
from poverty_system.core.models import AppendOnlyError
from projects import ledger
from projects.errors import ProjectError
from projects.models import FundAccount, FundMovement
from projects.services import funds

from .projects_data import days_ago, make_project, walk

pytestmark = pytest.mark.django_db


def county(world):
    return Actor(world.county_office)


def move(world, kind, amount, project=None, source="central", **extra):
    return funds.record(
        county(world),
        world.county,
        kind=kind,
        source=source,
        amount=amount,
        date=extra.pop("date", days_ago(0)),
        doc_number=extra.pop("doc_number", "赣财农〔2026〕1号"),
        project=project,
        **extra,
    )


@pytest.fixture
def approved(world):
    return walk(world, make_project(world), "approve")


def test_balances_are_the_sums_of_the_movements(world, approved):
    move(world, "received", "500000")
    move(world, "arranged", "300000", approved)
    move(world, "disbursed", "120000", approved)
    move(world, "spent", "100000", approved)
    account = FundAccount.objects.get()
    totals = ledger.account_totals(account)
    assert totals["available"] == Decimal("200000")
    project = ledger.project_totals(approved)
    assert project["to_disburse"] == Decimal("180000")
    assert project["spent"] == Decimal("100000")
    assert project["progress"] == Decimal("33.3")


@pytest.mark.parametrize(
    "kind,amount,message",
    [
        ("arranged", "600000", "可安排资金不足"),
        ("disbursed", "1", "待拨资金不足"),
        ("spent", "1", "已拨付资金不足"),
        ("settled", "1", "报账金额超过支出"),
        ("returned", "500001", "可安排资金不足"),
    ],
)
def test_a_movement_that_would_make_a_balance_negative_is_refused(
    world, approved, kind, amount, message
):
    move(world, "received", "500000")
    with pytest.raises(ProjectError, match=message):
        move(world, kind, amount, approved)
    assert FundMovement.objects.count() == 1


def test_a_correction_is_a_reversing_movement(world, approved):
    received = move(world, "received", "500000")
    arranged = move(world, "arranged", "300000", approved)
    # reversing the receipt would leave 安排 without money: refused
    with pytest.raises(ProjectError, match="可安排资金不足"):
        funds.reverse(county(world), received.pk, "金额录错")
    reversal = funds.reverse(county(world), arranged.pk, "金额录错")
    assert reversal.amount == Decimal("-300000") and reversal.reverses == arranged
    assert ledger.account_totals(FundAccount.objects.get())["available"] == Decimal("500000")
    with pytest.raises(ProjectError, match="已冲正"):
        funds.reverse(county(world), arranged.pk, "再冲")
    with pytest.raises(ProjectError, match="已冲正"):
        funds.reverse(county(world), reversal.pk, "冲正的冲正")
    with pytest.raises(AppendOnlyError):
        FundMovement.objects.filter(pk=arranged.pk).update(amount=1)


def test_money_goes_only_to_approved_projects_of_the_county(world):
    move(world, "received", "1000")
    draft = make_project(world)
    with pytest.raises(ProjectError, match="批复后才能安排"):
        move(world, "arranged", "10", draft)
    with pytest.raises(ProjectError, match="安排须选择项目"):
        move(world, "arranged", "10")


def test_only_the_county_records_movements(world):
    for account in (world.city_office, world.township_office, world.admin):
        with pytest.raises((PermissionDenied, Http404)):
            funds.record(
                Actor(account),
                world.county,
                kind="received",
                source="central",
                amount="1",
                date=days_ago(0),
                doc_number="x",
            )
    with pytest.raises(Http404):
        funds.record(
            Actor(world.other_county_office),
            world.county,
            kind="received",
            source="central",
            amount="1",
            date=days_ago(0),
            doc_number="x",
        )
    with pytest.raises(PermissionDenied):
        funds.record(
            Actor(world.admin),
            world.county,
            kind="received",
            source="central",
            amount="1",
            date=days_ago(0),
            doc_number="x",
        )


def test_a_movement_entered_late_is_flagged(world):
    late = move(world, "received", "10", date=days_ago(40))
    assert late.late and not move(world, "received", "10").late


def test_idle_money_is_aged_first_in_first_out_and_flagged_at_24_months(world, approved, login):
    move(world, "received", "100", date=days_ago(800))
    move(world, "received", "100", date=days_ago(10))
    move(world, "arranged", "150", approved)
    move(world, "disbursed", "150", approved)
    move(world, "spent", "50", approved)
    balance, age = ledger.idle_age(FundAccount.objects.get(), days_ago(0))
    assert balance == Decimal("150") and age >= 24
    page = login(world.county_office).get("/projects/funds/balances/").content.decode()
    assert "超两年未用" in page
    move(world, "spent", "100", approved)  # the old receipt is used up
    balance, age = ledger.idle_age(FundAccount.objects.get(), days_ago(0))
    assert balance == Decimal("50") and age == 0


def test_fund_queries_by_region_and_source_and_their_export(world, approved, login):
    move(world, "received", "500000")
    move(world, "received", "80000", source="county")
    move(world, "arranged", "300000", approved)
    move(world, "disbursed", "100000", approved)
    client = login(world.county_office)
    page = client.get("/projects/funds/?by=township").content.decode()
    assert "梓山镇" in page or world.township.name in page
    response = client.get("/projects/funds/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("区域", "到账", "退回")
    assert rows[1][0] == world.county.name and rows[1][1] == 580000
    received = openpyxl.load_workbook(
        io.BytesIO(client.get("/projects/funds/received/?format=xlsx&source=county").content)
    ).active
    assert [r[5] for r in list(received.values)[1:]] == [80000]
    # the township reads the money of its projects, not the county's receipts
    township = login(world.township_office)
    assert township.get("/projects/funds/received/").status_code == 200
    assert "80000.00" not in township.get("/projects/funds/received/").content.decode()
    county_page = login(world.county_office).get("/projects/funds/received/")
    assert "80000.00" in county_page.content.decode()
    assert login(world.village_account, world.phone).get("/projects/funds/").status_code == 403
    assert login(world.cadre_account).get("/projects/funds/").status_code == 403


def test_the_movement_form_refuses_with_the_message_next_to_the_field(world, approved, login):
    from .test_access import field_errors

    client = login(world.county_office)
    response = client.post(
        "/projects/funds/disburse/",
        {
            "kind": "disbursed",
            "source": "central",
            "project": approved.pk,
            "amount": "10",
            "date": days_ago(0).isoformat(),
            "doc_number": "x",
        },
    )
    assert response.status_code == 200
    assert any("待拨资金不足" in e for e in field_errors(response, "amount"))
    assert not FundMovement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_disbursements_never_overdraw(world):
    """Two 拨付 of 70 against 100 待拨 at the same moment: the account row lock makes the
    second see the first, so exactly one is recorded."""
    project = walk(world, make_project(world), "approve")
    move(world, "received", "100")
    move(world, "arranged", "100", project)
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = []

    def disburse():
        try:
            barrier.wait()
            with turns:
                results.append(move(world, "disbursed", "70", project))
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=disburse) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [r for r in results if isinstance(r, FundMovement)]
    lost = [r for r in results if isinstance(r, ProjectError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert ledger.project_totals(project)["to_disburse"] == Decimal("30")
