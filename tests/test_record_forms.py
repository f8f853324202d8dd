"""The forms that edit a record of units and accounts are model forms on the core's Chinese
base (issue 08): they validate what the input alone decides (a year, a date, a name's shape,
a number), next to the field, and the actions keep what needs the rows they lock."""

import datetime

import lxml.html
import pytest
from django.utils import timezone

from poverty_system.core.dates import current_year
from poverty_system.core.forms import ChineseModelForm, VersionedModelForm
from units import forms as unit_forms
from units.models import AnnualPlan, Cadre, Transfer, Unit, UnitVillage, VisitLog
from villages import forms as village_forms
from villages.models import User, VillagePhone

from .households_data import no_sms_throttle  # noqa: F401
from .units_data import assigned_household, link_world_village, the_cadre


def field_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def text(response) -> str:
    return lxml.html.fromstring(response.content.decode()).text_content()


@pytest.mark.parametrize(
    ("form", "model", "base"),
    [
        (unit_forms.VillageLinkForm, UnitVillage, ChineseModelForm),
        (unit_forms.PlansForm, UnitVillage, VersionedModelForm),
        (unit_forms.VisitForm, VisitLog, ChineseModelForm),
        (unit_forms.TransferForm, Transfer, ChineseModelForm),
        (unit_forms.CadreForm, Cadre, VersionedModelForm),
        (unit_forms.UnitForm, Unit, ChineseModelForm),
        (unit_forms.UnitEditForm, Unit, VersionedModelForm),
        (village_forms.AccountForm, User, ChineseModelForm),
        (village_forms.PhoneForm, VillagePhone, ChineseModelForm),
    ],
)
def test_record_forms_are_model_forms_on_the_core_base(form, model, base):
    assert issubclass(form, base)
    assert form._meta.model is model


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1999, current_year() + 6])
def test_an_annual_plan_for_a_year_out_of_range_is_refused_next_to_the_year(world, login, year):
    link = link_world_village(world)
    client = login(world.unit_account)
    response = client.post(
        f"/units/villages/{link.pk}/plans/",
        {"version": link.version, "plan": "新规划", "year": year, "annual_plan": "修路"},
    )
    assert response.status_code == 200
    assert field_errors(response, "year") == ["请填写正确的年度。"]
    link.refresh_from_db()
    assert link.plan != "新规划" and not AnnualPlan.objects.exists()


def test_the_last_year_an_annual_plan_may_be_written_for_is_saved(world, login):
    link = link_world_village(world)
    client = login(world.unit_account)
    response = client.post(
        f"/units/villages/{link.pk}/plans/",
        {"version": link.version, "plan": "", "year": current_year() + 5, "annual_plan": "修路"},
    )
    assert response.status_code == 302
    assert AnnualPlan.objects.get().year == current_year() + 5


def test_a_plan_save_without_its_version_is_refused_as_stale(world, login):
    link = link_world_village(world)
    client = login(world.unit_account)
    response = client.post(
        f"/units/villages/{link.pk}/plans/",
        {"plan": "新规划", "year": current_year(), "annual_plan": ""},
    )
    assert response.status_code == 200 and "已被他人修改" in text(response)
    link.refresh_from_db()
    assert link.plan != "新规划"


def test_a_village_link_needs_a_village_of_the_list(world, login):
    client = login(world.unit_account)
    response = client.post("/units/villages/link/", {"plan": "三年规划"})
    assert field_errors(response, "village") == ["请填写此项。"]
    response = client.post(
        "/units/villages/link/", {"village": world.other_county.pk, "plan": "三年规划"}
    )
    assert len(field_errors(response, "village")) == 1
    assert not UnitVillage.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "", "content": "入户走访"}, "请填写走访日期。"),
        ({"date": "later", "content": "入户走访"}, "走访日期不能晚于今天。"),
        ({"date": "2026-06-01", "content": "   "}, "请填写走访内容。"),
        ({"date": "2026-06-01", "content": "访" * 2001}, "走访内容不能超过 2000 字。"),
    ],
)
def test_a_visit_is_refused_with_what_is_wrong(world, login, data, message):
    link_world_village(world)
    household = assigned_household(world)
    if data["date"] == "later":
        data = {**data, "date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}
    client = login(world.cadre_account)
    response = client.post(f"/units/surveys/{household.pk}/visits/", data, follow=True)
    assert response.status_code == 200 and message in text(response)
    assert not VisitLog.objects.exists()


def test_a_transfer_needs_a_kind_of_the_list(world, login):
    cadre = the_cadre(world)
    client = login(world.unit_account)
    response = client.post(
        "/units/cadres/transfer/",
        {"cadre": cadre.pk, "to_unit": world.unit.pk, "kind": "merge", "date": "2026-06-01"},
    )
    assert response.status_code == 200 and len(field_errors(response, "kind")) == 1
    assert not Transfer.objects.exists()


def test_a_cadre_account_name_of_the_wrong_shape_is_refused_next_to_the_field(world, login):
    cadre = the_cadre(world)
    client = login(world.unit_account)
    response = client.post(f"/units/cadres/{cadre.pk}/account/", {"username": "赵 六"})
    assert response.status_code == 200
    assert field_errors(response, "username") == [
        "用户名须为 3–30 位字母、数字、下划线、点或短横线。"
    ]
    assert not User.objects.filter(username="赵 六").exists()


# --- accounts -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["ab", "a" * 31, "张三丰", "li si"])
def test_an_account_name_of_the_wrong_shape_is_refused_next_to_the_field(world, login, username):
    client = login(world.county_office)
    response = client.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": username,
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    assert field_errors(response, "username") == [
        "用户名须为 3–30 位字母、数字、下划线、点或短横线。"
    ]
    assert not User.objects.filter(full_name="里泗村委会").exists()


def test_an_account_name_is_taken_whatever_its_case(world, login):
    client = login(world.county_office)
    response = client.post(
        "/accounts/new/",
        {
            "role": "village",
            "username": world.village_account.username.upper(),
            "full_name": "里泗村委会",
            "region": world.village2.pk,
        },
    )
    assert field_errors(response, "username") == ["该用户名已被使用。"]


def test_a_phone_holder_is_stored_without_surrounding_spaces(world, login):
    client = login(world.township_office)
    url = f"/phones/{world.village_account.pk}/"
    response = client.post(url, {"phone": "13700000077", "holder": "  张三  "})
    assert (response.status_code, response.url) == (302, url)
    phone = VillagePhone.objects.get(phone="13700000077")
    assert phone.holder == "张三" and phone.account == world.village_account
