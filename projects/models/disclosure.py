"""公告公示: notices of a project's steps (批复公告, 结果公告) with a public page reached by
the QR code on the board document, and the public's feedback with the county's answer."""

from django.conf import settings
from django.db import models

from poverty_system.core.models import AppendOnly


class Notice(AppendOnly):
    class Kind(models.TextChoices):
        APPROVAL = "approval", "项目批复公告"
        RESULT = "result", "项目结果公告"

    project = models.ForeignKey(
        "projects.Project", verbose_name="项目", on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField("公告类型", max_length=10, choices=Kind.choices)
    token = models.CharField("公开地址令牌", max_length=43, unique=True, editable=False)
    published_on = models.DateField("公告日期")
    board_until = models.DateField("公示截止日期")
    region_code = models.CharField("区域代码", max_length=12, editable=False)
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    hotline = models.CharField("监督电话", max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "公告公示"
        verbose_name_plural = "公告公示"
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.project.name}"


class Feedback(models.Model):
    """在线反馈 from the public page: the sender's phone and name are read by the county
    only; the answer is published without them."""

    notice = models.ForeignKey(
        Notice, verbose_name="公告", on_delete=models.PROTECT, related_name="feedback"
    )
    county_code = models.CharField("县区划代码", max_length=12, editable=False)
    name = models.CharField("姓名", max_length=30, blank=True)
    phone = models.CharField("联系电话", max_length=11)
    text = models.CharField("反馈内容", max_length=500)
    received_at = models.DateTimeField("收到时间", auto_now_add=True)
    answer_due = models.DateField("答复期限")
    answer = models.CharField("答复", max_length=500, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "在线反馈"
        verbose_name_plural = "在线反馈"
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"反馈 {self.pk}"
