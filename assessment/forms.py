"""Forms of the assessment pages: they only validate input; the actions decide and write."""

from django import forms

from poverty_system.core.forms import VersionedModelForm

from .models import ExitCriteria, PoorCounty, PoorVillage


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
