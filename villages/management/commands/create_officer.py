"""manage.py create_officer ROLE USERNAME: set up a 系统管理员 (admin) or 安全管理员 (security)
at deployment. No account page creates them (三员分立: no officer creates an officer); the
security administrator then creates the offices and the auditors in the browser."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from poverty_system.core.actor import Actor
from poverty_system.core.errors import ActionError
from poverty_system.core.roles import Role
from villages.accounts import create_officer
from villages.forms import UsernameField

ROLES = {"admin": Role.ADMIN, "security": Role.SECURITY}


class Command(BaseCommand):
    help = "创建系统管理员（admin）或安全管理员（security）账号；首次登录须修改密码。"

    def add_arguments(self, parser):
        parser.add_argument("role", choices=sorted(ROLES), help="admin 或 security")
        parser.add_argument("username")
        parser.add_argument("--full-name", default="", help="姓名（默认为角色名称）")

    def handle(self, *args, role, username, full_name, **options):
        chosen = ROLES[role]
        try:
            UsernameField().clean(username)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        try:
            user, password = create_officer(
                Actor.system(AnonymousUser()),
                username=username,
                role=chosen,
                full_name=full_name or chosen.label,
            )
        except ActionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已创建{chosen.label} {user.username}，初始密码：{password}")
        self.stdout.write("首次登录时须修改密码。")
