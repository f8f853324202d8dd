"""{% load amounts %}: {{ value|yuan }} and {{ value|amount }} (poverty_system.core.formatting)."""

from django import template

from poverty_system.core import formatting

register = template.Library()
register.filter("amount", formatting.amount)
register.filter("yuan", formatting.yuan)
register.filter("mask_phone", formatting.mask_phone)
register.filter("mask_account", formatting.mask_account)
