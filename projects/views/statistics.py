"""扶贫项目与资金统计 (统计 menu) and the 受益户名单 its beneficiary figures link to."""

from django.shortcuts import render
from django.urls import path

from .. import statistics
from .common import fund_readers


@fund_readers
def index(request):
    context = statistics.page(request.user, request.GET)
    return render(request, "projects/statistics.html", context)


@fund_readers
def beneficiary_list(request):
    context = statistics.beneficiary_list(request.user, request.GET)
    return render(request, "projects/beneficiary_list.html", context)


urlpatterns = [
    path("statistics/", index, name="statistics"),
    path("statistics/beneficiaries/", beneficiary_list, name="beneficiary_list"),
]
