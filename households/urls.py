from .views import claims, detail, duplicates, listing, members, registration

app_name = "households"

urlpatterns = [
    *listing.urlpatterns,  # 管理贫困户信息
    *registration.urlpatterns,  # 扶贫对象登记表
    *claims.urlpatterns,  # 贫困户认领管理, township claim cancellation
    *duplicates.urlpatterns,  # 证件号码重复查询
    *detail.urlpatterns,  # household page, change log, removal
    *members.urlpatterns,  # 人口自然变更, 分户
]
