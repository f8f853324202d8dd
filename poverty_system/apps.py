from django.apps import AppConfig


class PovertySystemConfig(AppConfig):
    name = "poverty_system"
    verbose_name = "精准扶贫系统"
