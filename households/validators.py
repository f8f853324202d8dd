"""Bounds of the household records' input, shared by the models (so every ModelForm and
full_clean checks them) and the plain forms: dates that record the past, sane amounts."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from poverty_system.core.forms import max_length_message

__all__ = ["max_length_message"]  # the plain forms' limit message, from the core

TEXT_MAX = 1000  # 申请理由, 调查情况: free text of the forms' text areas
MONEY_MAX = Decimal("10000000")  # any yearly income component or cost, yuan
AREA_MAX = Decimal("100000")  # land areas, 亩
HOUSING_AREA_MAX = Decimal("10000")  # 住房面积, square metres
DISTANCE_MAX = Decimal("1000")  # km


def not_in_future(value) -> None:
    """A date that records something done: 申请日期, 调查日期, 评议/公示/审核/审批日期."""
    if value is not None and value > timezone.localdate():
        raise ValidationError("不能晚于今天。", code="future")


def month_not_in_future(value) -> None:
    """A month (stored as its first day) that records something done: 变更年月."""
    if value is not None and value.replace(day=1) > timezone.localdate().replace(day=1):
        raise ValidationError("不能晚于本月。", code="future")


@deconstructible
class AtMost(MaxValueValidator):
    """MaxValueValidator with the limit in the Chinese message, e.g. “不能超过 1000 万元。”."""

    def __init__(self, limit, text: str):
        self.text = text
        super().__init__(limit, message=f"不能超过 {text}。")

    def __eq__(self, other):
        return super().__eq__(other) and self.text == getattr(other, "text", None)


money_max = AtMost(MONEY_MAX, "1000 万元")
area_max = AtMost(AREA_MAX, "10 万亩")
housing_area_max = AtMost(HOUSING_AREA_MAX, "10000 平方米")
distance_max = AtMost(DISTANCE_MAX, "1000 公里")
