"""The fund ledger (扶贫资金): append-only movements, never typed balances.

Balances are sums of movements (projects.ledger): 可安排 = 到账 − 退回 − 安排 on a county's
account of one source; 待拨 = 安排 − 拨付 and 未支出 = 拨付 − 支出 on a project. A correction
is a reversing movement (the same kind, the opposite amount). The account row is what a
movement locks, so two concurrent 拨付 never overdraw.
"""

from django.conf import settings
from django.db import models

from poverty_system.core.models import AppendOnly

from ..choices import MovementKind, Source
from .base import MONEY


class FundAccount(models.Model):
    """One fund source of one county (e.g. 于都县 · 中央衔接资金): the row a movement locks."""

    county = models.ForeignKey(
        "villages.Region", verbose_name="县", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    source = models.CharField("资金来源", max_length=12, choices=Source.choices)

    class Meta:
        verbose_name = "资金账户"
        verbose_name_plural = "资金账户"
        constraints = [
            models.UniqueConstraint(fields=["county", "source"], name="fund_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.county} · {self.get_source_display()}"


class FundMovement(AppendOnly):
    account = models.ForeignKey(
        FundAccount, verbose_name="资金账户", on_delete=models.PROTECT, related_name="movements"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
    )
    # The slice of the movement: its project's place, or the county for 到账 and 退回.
    region_code = models.CharField("区域代码", max_length=12, editable=False)
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    kind = models.CharField("类型", max_length=10, choices=MovementKind.choices)
    amount = models.DecimalField("金额（元）", **MONEY)
    date = models.DateField("日期")
    year = models.PositiveSmallIntegerField("年度")
    doc_number = models.CharField("文号/凭证号", max_length=60)
    note = models.CharField("摘要", max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲正的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    late = models.BooleanField("超期录入", default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "资金流水"
        verbose_name_plural = "资金流水"
        ordering = ["date", "pk"]
        indexes = [
            models.Index(fields=["account", "kind"], name="movement_account_kind"),
            models.Index(fields=["project", "kind"], name="movement_project_kind"),
            models.Index(fields=["county_code", "year"], name="movement_county_year"),
            models.Index(fields=["region_code", "kind"], name="movement_region_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
