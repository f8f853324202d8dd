from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from poverty_system.core.actor import Actor
from villages.models import Region

from ...accounts import (
    DEMO_PASSWORD,
    VILLAGE,
    demo_logins,
    ensure_demo_accounts,
    renew_demo_passwords,
)
from ...households import seed_demo_households
from ...leads import ensure_leads_demo
from ...monitoring import ensure_monitoring_demo
from ...seeding import SeedError
from ...units import demo_summary, ensure_demo_unit, ensure_units_demo


class Command(BaseCommand):
    help = (
        "创建演示数据（make run）：每个角色一个演示账号（赣州市于都县）、贡江镇的演示贫困户、"
        "演示单位的帮扶村、干部、关联与分配。可重复运行，已有的不重复生成。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not Region.objects.filter(code=VILLAGE).exists():
            raise CommandError(
                "请先导入赣州行政区划：manage.py load_regions fixtures/regions/ganzhou.csv"
            )
        created = ensure_demo_accounts() + ensure_demo_unit()
        try:
            households = seed_demo_households(Actor.system(AnonymousUser(), via="command"))
            units_done = ensure_units_demo()
            leads_done = ensure_leads_demo()
            monitoring_done = ensure_monitoring_demo()
        except (SeedError, RuntimeError) as exc:
            raise CommandError(str(exc)) from None
        created += units_done["cadres"]
        renew_demo_passwords()
        self.stdout.write(self.style.SUCCESS(f"演示账号就绪（本次新建 {created} 个）。"))
        self.stdout.write(f"所有演示账号的密码：{DEMO_PASSWORD}")
        self.stdout.write(
            "系统管理员 admin 和安全管理员 security 首次登录时须先修改密码；其余演示账号的"
            "密码有效期（90 天）从本次运行起重新计算。"
        )
        for username, role, scope in demo_logins():
            self.stdout.write(f"  {role:<8} {username:<20} {scope}")
        self.stdout.write(
            "村级账号登录后选择手机号 138****0001 或 138****0002，"
            "短信验证码打印在运行服务器的终端里。"
        )
        if households is None:
            self.stdout.write("演示贫困户已存在，未重复生成。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已在贡江镇 {households.villages} 个村生成演示贫困户 "
                    f"{households.households} 户、成员 {households.members} 人；"
                    "仓前村部分贫困户已由演示手机号认领。"
                )
            )
        self.stdout.write(self.style.SUCCESS(f"帮扶单位演示数据就绪（本次新建：{units_done}）。"))
        self.stdout.write(demo_summary())
        self.stdout.write(
            self.style.SUCCESS(f"防止返贫监测演示数据就绪（本次新建：{leads_done}）。")
        )
        if monitoring_done["monitored"]:
            self.stdout.write(
                self.style.SUCCESS("已在仓前村生成 1 户演示监测对象（因病，健康扶贫措施）。")
            )
