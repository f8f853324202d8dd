"""What the nightly run of the rule pack keeps: open problems, daily counts, switches.

The page 数据质量检查 evaluates the rules on request (a fixed record drops out at once); these
tables hold what a run found, so that a county sees its trend (cleared vs new per day) and the
home pages read problem counts without running the pack.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Problem(models.Model):
    """One household breaking one rule, from the run that first found it until the run that
    found it fixed (cleared_on)."""

    rule = models.CharField("规则编码", max_length=8)
    household = models.ForeignKey(
        "households.Household",
        verbose_name="贫困户",
        on_delete=models.CASCADE,
        related_name="quality_problems",
    )
    village_code = models.CharField("村区划代码", max_length=12)
    first_seen = models.DateField("发现日期")
    cleared_on = models.DateField("整改日期", null=True, blank=True)

    class Meta:
        verbose_name = "问题记录"
        verbose_name_plural = "问题记录"
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "household"],
                condition=Q(cleared_on__isnull=True),
                name="one_open_problem_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["rule", "cleared_on", "household"], name="problem_rule_open"),
            models.Index(fields=["village_code", "cleared_on"], name="problem_slice"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.household_id}"


class Found(models.Model):
    """Scratch rows of a run: the households one rule finds, written once by INSERT … SELECT
    so that clearing and recording read them without evaluating the rule twice."""

    run = models.ForeignKey("Run", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=8)
    household_id = models.BigIntegerField()
    village_code = models.CharField(max_length=12)

    class Meta:
        indexes = [models.Index(fields=["run", "rule", "household_id"], name="found_rule")]

    def __str__(self) -> str:
        return f"{self.rule} {self.household_id}"


class DailyCount(models.Model):
    """Per county, rule and day of a run: problems open, found new and cleared that day."""

    day = models.DateField("日期")
    county_code = models.CharField("县区划代码", max_length=6)
    rule = models.CharField("规则编码", max_length=8)
    open = models.PositiveIntegerField("未整改", default=0)
    new = models.PositiveIntegerField("新增", default=0)
    cleared = models.PositiveIntegerField("已整改", default=0)

    class Meta:
        verbose_name = "问题每日统计"
        verbose_name_plural = "问题每日统计"
        constraints = [
            models.UniqueConstraint(fields=["day", "county_code", "rule"], name="one_daily_count")
        ]
        indexes = [models.Index(fields=["county_code", "day"], name="dailycount_county")]

    def __str__(self) -> str:
        return f"{self.day} {self.county_code} {self.rule}"


class RuleSwitch(models.Model):
    """A rule switched off for a county's households, with the reason (the audit trail keeps
    every switch off and on)."""

    county = models.ForeignKey(
        "villages.Region", verbose_name="县", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField("县区划代码", max_length=6, editable=False)
    rule = models.CharField("规则编码", max_length=8)
    reason = models.CharField("停用原因", max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("停用时间", auto_now_add=True)

    class Meta:
        verbose_name = "停用的检查规则"
        verbose_name_plural = "停用的检查规则"
        constraints = [
            models.UniqueConstraint(fields=["county", "rule"], name="one_switch_per_county_rule")
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.rule}"


class Run(models.Model):
    """One run of the pack (nightly or on demand): when, over which region, how long."""

    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    region_code = models.CharField("区域代码", max_length=12, blank=True)
    via = models.CharField("方式", max_length=20)
    seconds = models.FloatField("用时（秒）", null=True, blank=True)

    class Meta:
        verbose_name = "检查记录"
        verbose_name_plural = "检查记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.region_code or '全部'}"
