from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Excel in and out (数据导入, 导出 on 管理贫困户信息): the label tables and the canonical
    layout of the national 花名册, the import's checks and plan, the export, and their jobs.
    Above units, assessment and projects (it needs nothing of them); households' writes go
    through households.services.imports."""

    name = "exchange"
    verbose_name = "数据导入导出"
