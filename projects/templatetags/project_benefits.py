"""{% household_projects household as benefits %}: the projects benefiting a household in
one query, for the household page (the households app loads the tag by name and imports
nothing of projects)."""

from django import template

from projects.models import Beneficiary

register = template.Library()


@register.simple_tag
def household_projects(household):
    return list(
        Beneficiary.objects.filter(household=household)
        .select_related("project")
        .order_by("-project__year", "project__number")
    )
