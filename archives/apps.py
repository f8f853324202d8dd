from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    """QR-code household archives (二维码档案): a QR token per household, the public page a QR
    code opens, and the Word export of door-plate cards (导出二维码信息). Above units: a card
    shows the household's cadre, unit and measures; nothing below imports it."""

    name = "archives"
    verbose_name = "二维码档案"
