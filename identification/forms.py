"""The forms of identification's pages that edit a record (the 年度动态管理 round)."""

from __future__ import annotations

from django import forms

from poverty_system.core.forms import VersionedModelForm

from .models import Round


class DeadlinesForm(VersionedModelForm):
    """修改截止日期 of a round: a date per step (each required by the model)."""

    class Meta:
        model = Round
        fields = list(Round.DEADLINES)


class OpenRoundForm(DeadlinesForm):
    """开启 a round: the year and the five deadlines."""

    year = forms.IntegerField(label="年度", min_value=2014, max_value=2100)

    field_order = ["year", *Round.DEADLINES]


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新开启原因", max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
