from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor. Its label stays `poverty_system` (where it lived before it had its own
    folder), so the audit table and the migration history keep their names."""

    name = "poverty_system.core"
    label = "poverty_system"
    verbose_name = "精准扶贫系统"
