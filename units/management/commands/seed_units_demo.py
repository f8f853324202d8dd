from django.core.management.base import BaseCommand, CommandError

from units.demo import SECOND_CADRE, demo_summary, ensure_units_demo


class Command(BaseCommand):
    help = "演示数据：演示单位登记帮扶村、添加干部账号、关联并分配部分演示贫困户。可重复运行。"

    def handle(self, *args, **options):
        try:
            done = ensure_units_demo()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"帮扶单位演示数据就绪（本次新建：{done}）。"))
        self.stdout.write(demo_summary())
        self.stdout.write(f"  帮扶干部 {SECOND_CADRE[0]:<20} {SECOND_CADRE[1]}（密码同上）")
