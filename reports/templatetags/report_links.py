"""{% household_print_links household as links %}: the household page's 打印 links (信息表,
对照表) for an account that may print (the households app loads the tag by name and
imports nothing of reports)."""

from typing import Any

from django import template
from django.urls import reverse

from poverty_system.core import access
from poverty_system.core.roles import PRINT_SHEETS

register = template.Library()


@register.simple_tag(takes_context=True)
def household_print_links(context: Any, household: Any) -> list[tuple[str, str, str]]:
    """(label, url, test id) of each sheet the account may print for this household."""
    if not access.role_allows(context["request"].user, PRINT_SHEETS):
        return []
    return [
        ("打印信息表", reverse("reports:household_info", args=[household.pk]), "print-info"),
        ("打印对照表", reverse("reports:household_compare", args=[household.pk]), "print-compare"),
    ]
