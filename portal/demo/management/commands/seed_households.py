from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from poverty_system.core.actor import Actor
from villages.models import Region, User

from ... import seeding


class Command(BaseCommand):
    help = (
        "生成压测用的贫困户及家庭成员（批量写入）：--count 户数 --region 区划代码。"
        "演示数据请用 seed_demo。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, help="生成的户数")
        parser.add_argument("--region", help="区划代码（如 360731），贫困户分布在其下各村")
        parser.add_argument("--seed", type=int, default=0, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--batch", type=int, default=seeding.BATCH, help="每批写入户数")
        parser.add_argument(
            "--user", default="", help="记入修改日志的操作账号（用户名）；默认记为“系统”"
        )

    def handle(
        self,
        *args: Any,
        count: int | None = None,
        region: str | None = None,
        seed: int = 0,
        batch: int = seeding.BATCH,
        user: str = "",
        **options: Any,
    ) -> None:
        actor = self.actor(user)
        if not count or count < 1 or not region:
            raise CommandError(
                "请用 --count N --region 区划代码 指定户数和区域"
                "（演示数据请用 manage.py seed_demo）。"
            )
        target = Region.objects.filter(code=region).first()
        if target is None:
            raise CommandError(f"区划代码 {region} 不存在，请先导入行政区划。")
        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int) -> None:
            if verbosity:
                self.stdout.write(f"  已写入 {done:,} / {total:,} 户", ending="\r")
                self.stdout.flush()

        try:
            result = seeding.seed_households(
                target, count, seed=seed, batch=batch, progress=progress, actor=actor
            )
        except seeding.SeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"已在{target.name}的 {result.villages:,} 个村生成 {result.households:,} 户、"
                f"{result.members:,} 名成员，用时 {result.seconds:.1f} 秒。"
            )
        )

    def actor(self, username: str) -> Actor:
        """Who the change log names for the seeded rows: --user, or the system."""
        if not username:
            return Actor.system(AnonymousUser(), via="command")
        account = User.objects.filter(username=username).first()
        if account is None:
            raise CommandError(f"账号 {username} 不存在。")
        return Actor.system(account, via="command")
