from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = "帮扶单位与干部"
