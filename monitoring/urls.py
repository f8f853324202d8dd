from .views import leads, monitored, public, rules

app_name = "monitoring"

urlpatterns = [
    *leads.urlpatterns,  # 监测线索 inbox, 上报线索, 入户核实, 办结
    *public.urlpatterns,  # 一码申报 and 申报查询 (public, rate-limited)
    *rules.urlpatterns,  # 监测参数, 节假日
    *monitored.urlpatterns,  # 监测对象, risks, measures, 收入核查, 风险消除, 回退
]
