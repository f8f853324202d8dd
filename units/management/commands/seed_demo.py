from django.core.management.base import BaseCommand, CommandError

from units.demo import ensure_demo_unit
from villages.demo import DEMO_PASSWORD, demo_logins, ensure_demo_accounts
from villages.models import Region


class Command(BaseCommand):
    """In the units app: the demo spans offices, villages and a unit (units sits above)."""

    help = "创建演示账号（每个角色一个，位于赣州市于都县）。可重复运行。"

    def handle(self, *args, **options):
        if not Region.objects.filter(code="360731100201").exists():
            raise CommandError(
                "请先导入赣州行政区划：manage.py load_regions fixtures/regions/ganzhou.csv"
            )
        created = ensure_demo_accounts()
        created += ensure_demo_unit()
        self.stdout.write(self.style.SUCCESS(f"演示账号就绪（本次新建 {created} 个）。"))
        self.stdout.write(f"所有演示账号的密码：{DEMO_PASSWORD}")
        for username, role, scope in demo_logins():
            self.stdout.write(f"  {role:<8} {username:<20} {scope}")
        self.stdout.write(
            "村级账号登录后选择手机号 138****0001 或 138****0002，"
            "短信验证码打印在运行服务器的终端里。"
        )
