from .views import criteria, exits

app_name = "assessment"

urlpatterns = [
    *exits.urlpatterns,  # 贫困户脱贫情况, 贫困户返贫操作, 综合回退
    *criteria.urlpatterns,  # 脱贫标准
]
