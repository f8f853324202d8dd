from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "数据质量"

    def ready(self) -> None:
        # 县级比对 (identification, a floor below) runs the household rules of the pack.
        from identification.checks import add_household_check

        from .checks import rule_hits

        add_household_check(rule_hits)
