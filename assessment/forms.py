"""Forms of the assessment pages: they only validate input; the actions decide and write."""

from django import forms

from .models import ExitCriteria, PoorCounty, PoorVillage

NUMBER_ERRORS = {
    "required": "请填写此项。",
    "invalid": "请填写数字。",
    "max_digits": "数值过大。",
    "max_decimal_places": "小数位数过多。",
    "min_value": "不能为负数。",
}


def _not_negative(value):
    if value is not None and value < 0:
        raise forms.ValidationError("不能为负数。")


class VersionedForm(forms.ModelForm):
    """Carries the record's version in a hidden field (0 for a new record)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField | forms.IntegerField):
                field.error_messages.update(NUMBER_ERRORS)
                if not isinstance(field.widget, forms.HiddenInput):
                    field.validators.append(_not_negative)
            elif field.required:
                field.error_messages["required"] = "请填写此项。"


class CriteriaForm(VersionedForm):
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


class PoorVillageForm(VersionedForm):
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


class PoorCountyForm(VersionedForm):
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
