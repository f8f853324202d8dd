"""Kept counts of the statistics (today's numbers): households and people per village,
status and one category (状态, 贫困户属性, 主要致贫原因, 识别标准), so that a city's table is a sum
over a few thousand rows instead of a scan of its households.

They stay equal to the lists because every write of a household goes through the change log
(poverty_system.core.changelog, the actions, the bulk writers and imports alike): the largest
history id of the households is a stamp of the whole table. Before reading, stats.kept
compares it with the stamp the counts were built at and recounts the villages of every
history row written since (one grouped query), in the same transaction.
"""

from django.db import models


class KeptCount(models.Model):
    village_code = models.CharField("村区划代码", max_length=12)
    # status, attribute, main_cause, standard (households); m_health, m_labour, m_school (the
    # active members by their field, `people` their number, `households` 0).
    dim = models.CharField("分类", max_length=12)
    value = models.CharField("取值", max_length=20, blank=True)
    status = models.CharField("状态", max_length=20)
    households = models.PositiveIntegerField("户数")
    people = models.PositiveIntegerField("人数")

    class Meta:
        verbose_name = "统计（保存的计数）"
        verbose_name_plural = "统计（保存的计数）"
        indexes = [
            models.Index(
                fields=["dim", "village_code", "status", "value"], name="keptcount_dim_slice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.village_code} {self.dim}={self.value} {self.status}"


class KeptStamp(models.Model):
    """The household and member history ids the kept counts were built at (one row)."""

    history_id = models.BigIntegerField("变更记录号", default=0)
    member_history_id = models.BigIntegerField("成员变更记录号", default=0)
    # The day of the last full build: the start of the window of the m_out counts.
    out_window_from = models.DateField("在校生计数起始日", null=True, blank=True)
    built_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "统计计数时点"
        verbose_name_plural = "统计计数时点"

    def __str__(self) -> str:
        return str(self.history_id)
