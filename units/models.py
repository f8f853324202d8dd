"""Assisting units (帮扶单位, 驻村工作队) and their cadres (帮扶干部).

Issue 01 needs only the records that unit and cadre accounts hang on; pairing, plans,
transfers and surveys arrive with the units issue.
"""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .access import filter_units

        return filter_units(self, user)


class Unit(models.Model):
    name = models.CharField("单位名称", max_length=100)
    region = models.ForeignKey(
        "villages.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="units"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "帮扶单位"
        verbose_name_plural = "帮扶单位"
        permissions = [("manage_unit", "管理本单位")]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")
        ]

    def __str__(self):
        return self.name


class Cadre(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="cadres"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadre",
    )
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    position = models.CharField("职务", max_length=50, blank=True)
    left_at = models.DateTimeField("离开时间", null=True, blank=True)

    class Meta:
        verbose_name = "帮扶干部"
        verbose_name_plural = "帮扶干部"

    def __str__(self):
        return self.name


class UnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="grants")

    class Meta(UserObjectPermissionBase.Meta):
        pass


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        pass


# The QR archives' models (units/archives/models.py), registered with this app.
from .archives.models import ArchiveToken, Export, ExportStatus  # noqa: E402, F401
