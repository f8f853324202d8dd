"""monitored pages of 防止返贫监测."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
