from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...projects import ensure_projects_demo


class Command(BaseCommand):
    help = (
        "演示数据：于都县仓前村的几个扶贫项目（申报、审核、入库、批复、公告、实施、验收）"
        "及其资金。可重复运行。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = ensure_projects_demo()
        except Exception as exc:  # the demo accounts are missing
            raise CommandError(f"请先运行 seed_demo：{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"扶贫项目演示数据就绪（本次新建：{done}）。"))
