from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "monitoring"
    verbose_name = "防止返贫监测"

    def ready(self) -> None:
        from identification.checks import add_household_check

        from . import chains, elimination, identify

        del chains, elimination  # they register the monitoring and elimination chains
        add_household_check(identify.department_hits)
