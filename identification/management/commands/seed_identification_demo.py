from typing import Any

from django.core.management.base import BaseCommand, CommandError

from identification.demo import ensure_identification_demo


class Command(BaseCommand):
    help = (
        "演示数据：仓前村三户处于识别程序的不同环节（待申请、待乡镇审核、待县级比对）。可重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = ensure_identification_demo()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"识别程序演示数据就绪（本次新建：{made} 户）。"))
