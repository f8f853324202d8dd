from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Printable sheets (贫困户信息表, 贫困户信息对照表, 贫困村信息表) and the
    queries 贫困户变更查询 and 贫困户销户查询. Above the apps whose records it reads
    (households, units, assessment, projects); nothing below imports it. No tables."""

    name = "reports"
    verbose_name = "打印和查询"
