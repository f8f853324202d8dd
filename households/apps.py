from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "贫困户"

    def ready(self):
        from . import signals  # noqa: F401  (connects the history phone handler)
