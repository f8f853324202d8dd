from .views import county, criteria, exits, plans, poor_villages

app_name = "assessment"

urlpatterns = [
    *exits.urlpatterns,  # 贫困户脱贫情况, 贫困户返贫操作, 综合回退
    *criteria.urlpatterns,  # 脱贫标准
    *poor_villages.urlpatterns,  # 添加贫困村信息, 管理贫困村信息, 贫困村审核
    *county.urlpatterns,  # 贫困县信息
    *plans.urlpatterns,  # 脱贫规模
]
