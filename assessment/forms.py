"""Forms of the assessment pages: they only validate input; the actions decide and write."""

from typing import TYPE_CHECKING, Any

from django import forms

from poverty_system.core import access as core_access
from poverty_system.core.dates import current_year
from poverty_system.core.forms import VersionedModelForm
from poverty_system.core.roles import SUBMIT_POOR_VILLAGES
from villages.models import Region

from .models import ExitCriteria, PoorCounty, PoorVillage

if TYPE_CHECKING:
    from poverty_system.core.types import AnyUser


class CriteriaForm(VersionedModelForm):
    class Meta:
        model = ExitCriteria
        fields = [
            "income_line",
            "check_food_clothing",
            "check_school",
            "check_medical",
            "check_housing",
            "check_water",
            "note",
        ]


class PoorVillageForm(VersionedModelForm):
    class Meta:
        model = PoorVillage
        fields = [
            "households",
            "population",
            "collective_income",
            "has_hardened_road",
            "has_safe_water",
            "has_power",
            "has_broadband",
            "has_clinic",
            "has_school",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class PoorCountyForm(VersionedModelForm):
    class Meta:
        model = PoorCounty
        fields = [
            "category",
            "population",
            "rural_population",
            "farmer_income_per_capita",
            "fiscal_revenue",
            "planned_exit_year",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class AddForm(PoorVillageForm):
    village = forms.ModelChoiceField(
        label="村",
        queryset=Region.objects.none(),
        empty_label="请选择村",
        error_messages={"required": "请选择村。"},
    )
    year = forms.IntegerField(
        label="年度", min_value=2014, max_value=2030, initial=lambda: current_year()
    )

    def __init__(self, *args: Any, user: "AnyUser | None" = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = core_access.filter_regions(
            Region.objects.filter(level="village"), user, SUBMIT_POOR_VILLAGES
        ).order_by("code")
        self.fields["village"].error_messages["invalid_choice"] = "请选择辖区内的村。"
        self.fields["year"].initial = current_year()
        # village and year are not model fields of this form: uniqueness is the action's.
        self.order_fields(["village", "year"])
