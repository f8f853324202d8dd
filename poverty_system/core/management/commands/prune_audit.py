"""manage.py prune_audit: delete the audit entries older than AUDIT_RETENTION_DAYS (at least
180 days) and record how many (poverty_system.core.retention). The task worker runs the same
daily; this command is for an operator or a cron job."""

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand

from poverty_system.core import retention
from poverty_system.core.actor import Actor


class Command(BaseCommand):
    help = "清理超过保存期限（AUDIT_RETENTION_DAYS，至少 180 天）的审计日志，并记录清理条数。"

    def handle(self, *args, **options):
        count = retention.prune(Actor.system(AnonymousUser()))
        self.stdout.write(f"已清理 {count} 条超过保存期限的审计日志。")
