"""Run the 数据质量检查 rule pack over every household (or one county) and keep the counts;
the nightly task does the same. `--region <code>` limits the run to a county or city."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from poverty_system.core.actor import Actor
from quality import services, tasks
from villages.models import Region


class Command(BaseCommand):
    help = "运行数据质量检查规则并记录每日问题数量"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default="", help="县或市的区划代码（默认全部）")
        parser.add_argument(
            "--schedule", action="store_true", help="不立即运行，改为交给任务进程每晚运行"
        )

    def handle(self, *args: Any, region: str = "", schedule: bool = False, **options: Any) -> None:
        if schedule:
            when = tasks.schedule_next()
            self.stdout.write(f"已安排每晚检查，下次运行：{when:%Y-%m-%d %H:%M}。")
            return
        target = None
        if region:
            target = Region.objects.filter(code=region).first()
            if target is None:
                raise CommandError(f"没有区划代码为 {region} 的区域。")
        try:
            run = services.run_pack(
                Actor.system(AnonymousUser(), via="command"), target, via="command"
            )
        except services.QualityError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"数据质量检查完成，用时 {run.seconds:.1f} 秒。")
