"""The QR archives leave the units app for their own: the models move in Django's state only.
Their tables (created by units.0004) keep their names, so existing tokens and exports stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def relabel_content_types(apps, schema_editor):
    """Carry the models' content types (and so their permissions) over to the new label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("archivetoken", "export"):
        if not ContentType.objects.filter(app_label="archives", model=model).exists():
            ContentType.objects.filter(app_label="units", model=model).update(app_label="archives")


def unlabel_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("archivetoken", "export"):
        if not ContentType.objects.filter(app_label="units", model=model).exists():
            ContentType.objects.filter(app_label="archives", model=model).update(app_label="units")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("households", "0001_initial"),
        ("units", "0004_archive_tokens_and_exports"),
        ("villages", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ArchiveToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=64, unique=True, verbose_name='令牌')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='生成时间')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='作废时间')),
                        ('household', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='archive_tokens', to='households.household', verbose_name='贫困户')),
                        ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作废人')),
                    ],
                    options={
                        'db_table': 'units_archivetoken',
                        'verbose_name': '二维码令牌',
                        'verbose_name_plural': '二维码令牌',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('household',), name='one_active_archive_token_per_household')],
                    },
                ),
                migrations.CreateModel(
                    name='Export',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('region_code', models.CharField(max_length=12, verbose_name='区划代码')),
                        ('include_removed', models.BooleanField(default=False, verbose_name='包含已清退户')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='户数')),
                        ('done', models.PositiveIntegerField(default=0, verbose_name='已完成户数')),
                        ('status', models.CharField(choices=[('queued', '排队中'), ('running', '生成中'), ('done', '已完成'), ('failed', '失败'), ('expired', '已过期')], default='queued', max_length=10, verbose_name='状态')),
                        ('file_path', models.CharField(blank=True, max_length=255, verbose_name='文件')),
                        ('file_name', models.CharField(blank=True, max_length=120, verbose_name='文件名')),
                        ('file_size', models.PositiveBigIntegerField(default=0, verbose_name='文件大小')),
                        ('error', models.CharField(blank=True, max_length=200, verbose_name='错误信息')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='保留至')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='archive_exports', to=settings.AUTH_USER_MODEL, verbose_name='导出人')),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='villages.region', verbose_name='区域')),
                    ],
                    options={
                        'db_table': 'units_export',
                        'verbose_name': '二维码导出',
                        'verbose_name_plural': '二维码导出',
                        'indexes': [models.Index(fields=['owner', '-created_at'], name='export_owner_recent')],
                    },
                ),            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, unlabel_content_types),
    ]
