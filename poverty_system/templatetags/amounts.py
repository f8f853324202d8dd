"""{% load amounts %}: {{ value|yuan }} and {{ value|amount }} (poverty_system.formatting)."""

from django import template

from poverty_system import formatting

register = template.Library()
register.filter("amount", formatting.amount)
register.filter("yuan", formatting.yuan)
