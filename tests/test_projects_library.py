"""The project library (issue 12, item 1): 村申报、乡审核、县审定 as a state machine, each step
by its role with its documents, clocks, attachments checked and served by access."""

import contextlib
import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.http import Http404

from poverty_system.core.actor import Actor
from poverty_system.core.models import AppendOnlyError, AuditEntry
from projects import clock, states
from projects.errors import ProjectError
from projects.models import Attachment, Holiday, Project, ProjectEvent
from projects.services import library

from .projects_data import CHAIN, actor_for, days_ago, make_project, pdf, png, step_data, walk

pytestmark = pytest.mark.django_db


def test_the_whole_chain_from_proposal_to_evaluation(world):
    project = make_project(world)
    assert project.state == "draft" and project.number.startswith("3607312026")
    project = walk(world, project, "evaluate")
    assert project.state == "evaluated"
    steps = list(project.events.values_list("step", flat=True))
    assert steps == [code for code, _ in CHAIN]
    assert project.approval_number == "于扶字〔2026〕12号"
    assert project.notices.count() == 2  # 批复公告 and 结果公告
    asset = project.assets.get()  # born at 竣工验收, confirmed at 资产移交
    assert asset.kind == "operating" and asset.confirmed_on == days_ago(0)
    assert Attachment.objects.filter(project=project).count() == 4
    # change log: the baseline and one row per step; an audit entry per step
    assert project.history.count() == 1 + len(CHAIN)
    assert AuditEntry.objects.filter(
        object_type="projects.project", object_id=str(project.pk)
    ).count() == 1 + len(CHAIN)


def test_events_are_append_only(world):
    project = walk(world, make_project(world), "propose")
    event = project.events.get()
    event.note = "改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        ProjectEvent.objects.filter(pk=event.pk).update(note="改")
    with pytest.raises(AppendOnlyError):
        ProjectEvent.objects.all().delete()


@pytest.mark.parametrize("code", ["settle", "accept", "approve", "announce", "hand_over"])
def test_a_step_taken_too_early_is_refused_with_what_comes_first(world, code):
    project = walk(world, make_project(world), "review")
    with pytest.raises(ProjectError) as refused:
        library.take_step(actor_for(world, "county"), project.pk, code, step_data(code))
    assert "不能" in refused.value.message and "请先完成" in refused.value.message
    assert Project.objects.get(pk=project.pk).state == "reviewed"


def test_no_settlement_before_acceptance_names_acceptance(world):
    project = walk(world, make_project(world), "start")
    with pytest.raises(ProjectError, match="请先完成“竣工验收”"):
        library.take_step(actor_for(world, "county"), project.pk, "settle", step_data("settle"))


def test_the_township_cannot_review_before_the_notice_is_over(world):
    project = make_project(world)
    data = {**step_data("propose"), "notice_start": days_ago(5), "notice_end": days_ago(-5)}
    library.take_step(actor_for(world, "village"), project.pk, "propose", data)
    with pytest.raises(ProjectError, match="村级公示尚未结束"):
        library.take_step(actor_for(world, "township"), project.pk, "review", {"note": ""})


def test_a_notice_of_less_than_ten_days_is_refused(world):
    project = make_project(world)
    data = {**step_data("propose"), "notice_start": days_ago(9), "notice_end": days_ago(1)}
    with pytest.raises(ProjectError, match="公示期不少于 10 天（现为 9 天）") as refused:
        library.take_step(actor_for(world, "village"), project.pk, "propose", data)
    assert refused.value.field == "notice_end"
    assert Project.objects.get(pk=project.pk).state == "draft"
    assert not Attachment.objects.exists()


def test_a_step_without_its_documents_is_refused(world):
    project = make_project(world)
    data = {**step_data("propose"), "files": {"meeting": pdf()}}
    with pytest.raises(ProjectError, match="请上传公示照片"):
        library.take_step(actor_for(world, "village"), project.pk, "propose", data)
    project = walk(world, project, "store")
    with pytest.raises(ProjectError, match="请填写批复文号"):
        library.take_step(
            actor_for(world, "county"),
            project.pk,
            "approve",
            {**step_data("approve"), "doc_number": ""},
        )


def test_attachments_are_checked_by_their_content(world):
    project = make_project(world)
    fake = SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", content_type="image/png")
    data = {**step_data("propose"), "files": {"meeting": pdf(), "notice_photo": fake}}
    with pytest.raises(ProjectError, match="附件须为JPEG、PNG 图片或 PDF 文件") as refused:
        library.take_step(actor_for(world, "village"), project.pk, "propose", data)
    assert refused.value.field == "file_notice_photo"
    truncated = SimpleUploadedFile("m.pdf", b"%PDF-1.4\n1 0 obj", content_type="application/pdf")
    data = {**step_data("propose"), "files": {"meeting": truncated, "notice_photo": png()}}
    with pytest.raises(ProjectError, match="PDF 文件不完整"):
        library.take_step(actor_for(world, "village"), project.pk, "propose", data)


def test_returned_projects_go_back_to_the_village_and_can_be_proposed_again(world):
    project = walk(world, make_project(world), "propose")
    library.take_step(
        actor_for(world, "township"), project.pk, "township_return", step_data("township_return")
    )
    project.refresh_from_db()
    assert project.state == "returned" and project.return_reason == "材料不全"
    library.edit_project(
        actor_for(world, "village"),
        project.pk,
        {**library_fields(project), "name": "改名"},
        project.version,
    )
    project = walk(world, Project.objects.get(pk=project.pk), "propose")
    assert project.state == "proposed" and project.name == "改名"


def library_fields(project):
    return {f: getattr(project, f) for f in library.EDIT_FIELDS}


def test_a_stale_edit_is_refused_and_the_newer_data_kept(world):
    from poverty_system.core.versioning import StaleEdit

    project = make_project(world)
    opened = project.version
    library.edit_project(
        actor_for(world, "village"), project.pk, {**library_fields(project), "name": "甲"}, opened
    )
    with pytest.raises(StaleEdit):
        library.edit_project(
            actor_for(world, "village"),
            project.pk,
            {**library_fields(project), "name": "乙"},
            opened,
        )
    assert Project.objects.get(pk=project.pk).name == "甲"


def test_edits_after_the_proposal_are_refused(world):
    project = walk(world, make_project(world), "propose")
    with pytest.raises(ProjectError, match="不能修改"):
        library.edit_project(
            actor_for(world, "village"), project.pk, library_fields(project), project.version
        )


def test_stop_and_roll_over(world):
    project = walk(world, make_project(world), "approve")
    library.take_step(actor_for(world, "county"), project.pk, "roll_over", step_data("roll_over"))
    project.refresh_from_db()
    assert project.state == "stored" and project.year == 2027 and project.approval_number == ""
    library.take_step(actor_for(world, "county"), project.pk, "stop", step_data("stop"))
    project.refresh_from_db()
    with pytest.raises(ProjectError, match="已终止"):
        library.take_step(actor_for(world, "county"), project.pk, "approve", step_data("approve"))


def test_adjustment_needs_re_approval(world):
    project = walk(world, make_project(world), "start")
    library.take_step(actor_for(world, "county"), project.pk, "adjust", step_data("adjust"))
    with pytest.raises(ProjectError, match="不能竣工验收"):
        library.take_step(actor_for(world, "county"), project.pk, "accept", step_data("accept"))
    library.take_step(
        actor_for(world, "county"),
        project.pk,
        "approve_adjustment",
        step_data("approve_adjustment"),
    )
    assert Project.objects.get(pk=project.pk).state == "implementing"


# --- roles ---------------------------------------------------------------------------------

STEP_ROLE = {code: who for code, who in CHAIN}


@pytest.mark.parametrize("code,who", CHAIN)
def test_each_step_by_the_wrong_account_is_403_inside_and_404_outside(world, code, who):
    project = make_project(world)
    previous = CHAIN[[c for c, _ in CHAIN].index(code) - 1][0] if code != "propose" else None
    if previous:
        project = walk(world, project, previous)
    right = {
        "village": world.village_account,
        "township": world.township_office,
        "county": world.county_office,
    }[who]
    inside = [
        world.city_office,
        world.county_office,
        world.township_office,
        world.village_account,
        world.admin,
    ]
    outside = [world.other_county_office, world.other_township_office, world.other_village_account]
    for account in inside:
        if account == right:
            continue
        with pytest.raises(PermissionDenied):
            library.take_step(Actor(account), project.pk, code, step_data(code))
    for account in outside + [world.cadre_account, world.unit_account]:
        with pytest.raises(Http404):
            library.take_step(Actor(account), project.pk, code, step_data(code))
    assert Project.objects.get(pk=project.pk).state == (
        states.STEPS[previous].target if previous else "draft"
    )


def test_only_village_accounts_enter_projects_of_their_village(world):
    for account in (world.township_office, world.county_office, world.city_office):
        with pytest.raises(PermissionDenied):
            library.create_project(Actor(account), world.village, {"name": "x"})
    with pytest.raises(Http404):
        library.create_project(Actor(world.other_village_account), world.village, {"name": "x"})


# --- clocks --------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_holidays_and_count_worked_weekends(world):
    # the rows of the 2026 calendar (migration 0002; a transactional test empties the table)
    Holiday.objects.get_or_create(date=datetime.date(2026, 9, 25), defaults={"name": "中秋节"})
    Holiday.objects.get_or_create(
        date=datetime.date(2026, 9, 20), defaults={"name": "调休上班", "is_workday": True}
    )
    # 2026-09-24 is a Thursday; 9-25 中秋 off; 9-26/27 weekend; 9-28 Monday.
    assert clock.add_working_days(datetime.date(2026, 9, 24), 1) == datetime.date(2026, 9, 28)
    # 2026-09-19 Saturday → 9-20 Sunday is worked (调休).
    assert clock.add_working_days(datetime.date(2026, 9, 19), 1) == datetime.date(2026, 9, 20)
    Holiday.objects.create(date=datetime.date(2027, 3, 1), name="测试假日")
    assert clock.working_days_between(datetime.date(2027, 2, 26), datetime.date(2027, 3, 2)) == 1


def test_an_approval_entered_after_fifteen_working_days_is_flagged(world):
    project = walk(world, make_project(world), "store")
    old = {**step_data("approve"), "doc_date": days_ago(40)}
    library.take_step(actor_for(world, "county"), project.pk, "approve", old)
    project.refresh_from_db()
    assert project.entered_late and project.events.last().late
    # its 批复公告 was due 7 days after the approval: overdue, listed under 超期
    assert project.due_on == days_ago(33) and project.due_label == "批复公告"
    on_time = walk(world, make_project(world, name="准时"), "approve")
    assert not on_time.entered_late and on_time.due_on == days_ago(-7)


def test_the_overdue_filter_lists_exactly_the_overdue_projects(world, login):
    late = walk(world, make_project(world, name="迟"), "store")
    library.take_step(
        actor_for(world, "county"),
        late.pk,
        "approve",
        {**step_data("approve"), "doc_date": days_ago(10)},
    )
    walk(world, make_project(world, name="准"), "approve")
    client = login(world.county_office)
    from .test_access import column

    page = client.get("/projects/?overdue=1")
    assert column(page, "projects", 2) == ["迟"]
    assert "超期" in page.content.decode()


# --- pages ---------------------------------------------------------------------------------


def test_the_village_proposes_in_the_browser_forms(world, login):
    client = login(world.village_account, world.phone)
    form = {**{k: v for k, v in PROJECT_FORM.items()}, "region": world.village.pk}
    response = client.post("/projects/add/", form)
    assert response.status_code == 302, response.content.decode()
    project = Project.objects.get()
    response = client.post(
        f"/projects/{project.pk}/propose/",
        {
            "propose-notice_start": days_ago(12).isoformat(),
            "propose-notice_end": days_ago(1).isoformat(),
            "propose-doc_date": days_ago(14).isoformat(),
            "propose-file_meeting": pdf(),
            "propose-file_notice_photo": png(),
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == "proposed"
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "村级申报" in page and "公示照片" in page
    # The event's row names its step by the state machine's label (read with the event).
    assert '<td class="nowrap">申报</td>' in page


PROJECT_FORM = {
    "year": 2026,
    "name": "表单项目",
    "category": "infrastructure",
    "nature": "new",
    "content": "硬化道路 2 公里",
    "budget_central": "100000",
    "budget_province": "0",
    "budget_city": "0",
    "budget_county": "0",
    "budget_integrated": "0",
    "budget_east_west": "0",
    "budget_paired": "0",
    "budget_social": "0",
    "budget_self": "0",
    "goal_people": "10",
    "goal_acceptance_rate": "100",
    "goal_satisfaction": "90",
}


def test_a_project_without_money_is_refused_next_to_the_field(world, login):
    client = login(world.village_account, world.phone)
    response = client.post(
        "/projects/add/", {**PROJECT_FORM, "budget_central": "0", "region": world.village.pk}
    )
    assert response.status_code == 200
    from .test_access import field_errors

    assert field_errors(response, "budget_central") == [
        "请填写资金规模（至少一项资金来源大于 0）。"
    ]
    assert not Project.objects.exists()


def test_attachments_are_served_to_readers_only(world, login):
    project = walk(world, make_project(world), "propose")
    attachment = project.attachments.get(kind="notice_photo")
    for account, status in (
        (world.county_office, 200),
        (world.township_office, 200),
        (world.city_office, 200),
        (world.other_township_office, 404),
        (world.other_county_office, 404),
        (world.unit_account, 404),
        (world.cadre_account, 403),
    ):
        client = login(account)
        response = client.get(f"/projects/attachments/{attachment.pk}/")
        assert response.status_code == status, account
        if status == 200:
            assert response["Content-Type"] == "image/png"
            assert response["X-Content-Type-Options"] == "nosniff"


def test_a_unit_reads_the_projects_it_implements(world, login):
    project = make_project(world, implementing_unit=world.unit)
    other = make_project(world, name="别的项目")
    client = login(world.unit_account)
    assert client.get(f"/projects/{project.pk}/").status_code == 200
    assert client.get(f"/projects/{other.pk}/").status_code == 404
    assert client.post(f"/projects/{project.pk}/propose/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_one_wins(world):
    """Two county sessions approve the same project at once: the row lock makes the second
    see the first's state and be refused."""
    project = walk(world, make_project(world), "store")
    barrier = threading.Barrier(2, timeout=20)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results = []

    def approve():
        try:
            barrier.wait()
            with turns:
                results.append(
                    library.take_step(
                        Actor(world.county_office), project.pk, "approve", step_data("approve")
                    )
                )
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [r for r in results if isinstance(r, Project)]
    lost = [r for r in results if isinstance(r, ProjectError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "已批复" in lost[0].message
    assert ProjectEvent.objects.filter(project=project, step="approve").count() == 1
