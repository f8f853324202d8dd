from .views import claims, detail, listing, registration

app_name = "households"

urlpatterns = [
    *listing.urlpatterns,       # 管理贫困户信息
    *registration.urlpatterns,  # 扶贫对象登记表
    *claims.urlpatterns,        # 贫困户认领管理, township claim cancellation
    *detail.urlpatterns,        # household page, edit, members, change log, removal, split
]
