from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.index, name="index"),
    path("rule/", views.rule_list, name="rule_list"),
    path("run/", views.run, name="run"),
    path("switch/", views.switch, name="switch"),
]
