from .views import cadres, links, offices, surveys, villages

app_name = "units"

urlpatterns = [
    *villages.urlpatterns,  # 帮扶情况登记表
    *links.urlpatterns,  # 关联单位 / 取消关联
    *cadres.urlpatterns,  # 帮扶干部信息管理: 分配, 调离/借调, 离开
    *surveys.urlpatterns,  # 贫困户信息调查情况表, 帮扶日志
    *offices.urlpatterns,  # 单位信息管理, 合并/拆分, 年度结对重置, 结对归档
]
