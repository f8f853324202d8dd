from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data (on the roof: it spans every app). Commands only, no models:
    `seed_demo` for `make run`, `seed_households` for benchmarks."""

    name = "portal.demo"
    label = "demo"
    verbose_name = "演示数据"
