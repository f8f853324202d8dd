from .views import assets, beneficiaries, disclosure, funds, imports, library, statistics

app_name = "projects"

urlpatterns = [
    *library.urlpatterns,  # 项目库维护, 项目立项, 项目调整, 项目实施
    *funds.urlpatterns,  # 扶贫资金管理, 扶贫资金查询
    *beneficiaries.urlpatterns,  # 受益户
    *assets.urlpatterns,  # 扶贫项目资产台账
    *disclosure.urlpatterns,  # 公开公示信息查询, 在线反馈
    *imports.urlpatterns,  # 项目导入, 资金导入
    *statistics.urlpatterns,  # 统计: 扶贫项目与资金
]
