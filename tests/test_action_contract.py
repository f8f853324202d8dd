"""The one action contract (issue 08): every refusal is an ActionError, a view shows it with
the one show_error, ids are parsed once, and top-level actions run in durable transactions."""

import pytest
from django import forms
from django.db import transaction
from django.http import Http404

from archives.export import ExportError
from assessment.services import AssessmentError
from households.lifecycle import StatusError
from households.services import HouseholdError
from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.forms import show_error
from poverty_system.core.ids import MAX_ID, ids_or_404, parse_id, parse_ids
from poverty_system.core.roles import Role
from poverty_system.core.versioning import StaleEdit
from units import services as unit_services
from villages import accounts
from villages.auth import LoginError

from .conftest import PASSWORD


@pytest.mark.parametrize(
    "error",
    [
        HouseholdError,
        StatusError,
        unit_services.UnitError,
        accounts.AccountError,
        AssessmentError,
        LoginError,
        ExportError,
        StaleEdit,
    ],
)
def test_every_apps_refusal_is_an_action_error(error):
    assert issubclass(error, ActionError)
    refusal = error("不能这样做。")
    assert refusal.message == "不能这样做。" and str(refusal) == "不能这样做。"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("7", 7),
        (7, 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-3", None),
        ("abc", None),
        ("", None),
        (None, None),
        (True, None),
        ("1e3", None),
    ],
)
def test_an_id_is_a_positive_integer_a_row_can_have(value, expected):
    assert parse_id(value) == expected


def test_ids_leave_out_what_no_row_can_have_or_refuse_with_404():
    assert parse_ids(["3", "x", "0", "2", str(2**63)]) == [3, 2]
    assert ids_or_404(["3", "2", "3"]) == [2, 3]
    assert ids_or_404([]) == []
    with pytest.raises(Http404):
        ids_or_404(["3", "x"])


class NameForm(forms.Form):
    name = forms.CharField()


def test_show_error_puts_a_refusal_next_to_its_field_or_on_top():
    form = NameForm({"name": "张三"})
    assert form.is_valid()
    show_error(form, ActionError("姓名重复。", "name"))
    assert form.errors["name"] == ["姓名重复。"]
    elsewhere = NameForm({"name": "张三"})
    elsewhere.is_valid()
    show_error(elsewhere, ActionError("不在本村。", "village"))
    assert elsewhere.non_field_errors() == ["不在本村。"]
    renamed = NameForm({"name": "张三"})
    renamed.is_valid()
    show_error(renamed, ActionError("请选择。", "names"), fields={"names": "name"})
    assert renamed.errors["name"] == ["请选择。"]


def test_show_error_puts_a_row_refusal_on_that_row():
    rows = [NameForm({"name": "甲"}), NameForm({"name": "乙"})]
    for row in rows:
        row.is_valid()
    form = NameForm({"name": "户"})
    form.is_valid()
    show_error(form, ActionError("身份证号码重复。", "name", row=1), rows)
    assert rows[1].errors["name"] == ["身份证号码重复。"]
    assert not rows[0].errors and not form.errors


def test_a_stale_save_goes_on_top_even_of_a_fresh_form_with_what_changed():
    fresh = NameForm(initial={"name": "新名字"})  # unbound: the newer data
    show_error(fresh, StaleEdit("已被他人修改。", changes=["name"]))
    assert fresh.non_field_errors() == ["已被他人修改。"]
    assert fresh.stale_changes == ["name"]


def test_top_level_actions_refuse_to_run_inside_another_transaction(world):
    county = Actor.system(world.county_office)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        accounts.create_account(
            county,
            username="inside",
            role=Role.TOWNSHIP,
            regions=[world.township],
            full_name="嵌套",
        )
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        accounts.reset_password(county, world.township_office)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        accounts.change_own_password(Actor.system(world.township_office), PASSWORD + "x")
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        unit_services.create_unit(county, name="嵌套单位", region=world.county, username="nested")
