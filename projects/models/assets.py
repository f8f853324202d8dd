"""扶贫项目资产: born at 竣工验收; yearly income records shared with the households that
are 脱贫户 or 监测户 in each month (a household that leaves stops the month after)."""

from django.conf import settings
from django.db import models

from poverty_system.core.changelog import ExplicitHistory, PhoneHistory
from poverty_system.core.models import AppendOnly
from poverty_system.core.versioning import Versioned

from .base import MONEY


class Asset(Versioned, models.Model):
    class Kind(models.TextChoices):
        OPERATING = "operating", "经营性资产"
        PUBLIC = "public", "公益性资产"
        HOUSEHOLD = "household", "到户类资产"

    class Owner(models.TextChoices):
        COUNTY = "county", "县级"
        TOWNSHIP = "township", "乡镇"
        VILLAGE = "village", "村集体"
        HOUSEHOLD = "household", "农户"

    class Condition(models.TextChoices):
        IN_USE = "in_use", "正常运营"
        IDLE = "idle", "闲置"
        DAMAGED = "damaged", "损毁"
        DISPOSED = "disposed", "已处置"

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="assets"
    )
    name = models.CharField("资产名称", max_length=100)
    kind = models.CharField("资产类别", max_length=10, choices=Kind.choices)
    value = models.DecimalField("资产价值（元）", **MONEY)
    owner = models.CharField("产权归属", max_length=10, choices=Owner.choices)
    owner_name = models.CharField("产权单位", max_length=100)
    manager = models.CharField("管护主体", max_length=100)
    location = models.CharField("资产位置", max_length=200)
    region_code = models.CharField("区域代码", max_length=12, editable=False)
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    condition = models.CharField(
        "资产状态", max_length=10, choices=Condition.choices, default=Condition.IN_USE
    )
    confirmed_on = models.DateField("确权日期", null=True, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = ExplicitHistory(bases=[PhoneHistory], excluded_fields=["created_at"])

    class Meta:
        verbose_name = "扶贫项目资产"
        verbose_name_plural = "扶贫项目资产"
        indexes = [models.Index(fields=["region_code"], name="asset_slice")]

    def __str__(self) -> str:
        return self.name


class AssetIncome(AppendOnly):
    """One year's income of an operating asset and the part shared with households."""

    asset = models.ForeignKey(
        Asset, verbose_name="资产", on_delete=models.PROTECT, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("年收益（元）", **MONEY)
    shared = models.DecimalField("分配给农户（元）", **MONEY)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "资产收益"
        verbose_name_plural = "资产收益"
        constraints = [models.UniqueConstraint(fields=["asset", "year"], name="asset_income_year")]


class IncomeShare(AppendOnly):
    """A household's share of an income: the months it was 脱贫户/监测户 in that year."""

    income = models.ForeignKey(
        AssetIncome, verbose_name="收益", on_delete=models.PROTECT, related_name="shares"
    )
    household = models.ForeignKey(
        "households.Household",
        verbose_name="农户",
        on_delete=models.PROTECT,
        related_name="asset_shares",
    )
    months = models.PositiveSmallIntegerField("享受月数")
    amount = models.DecimalField("分配金额（元）", **MONEY)

    class Meta:
        verbose_name = "收益分配"
        verbose_name_plural = "收益分配"
