from django.urls import path

from . import audit_views, natural_views, views

app_name = "villages"

urlpatterns = [
    path("regions/", views.region_root, name="region_root"),
    path("regions/<int:pk>/", views.region_detail, name="region"),
    path("regions/<int:pk>/children/", views.region_children, name="region_children"),
    path("regions/<int:pk>/population/", views.population_edit, name="population_edit"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/regions/", views.account_add_region, name="account_add_region"),
    path(
        "accounts/<int:pk>/reset-password/",
        views.account_reset_password,
        name="account_reset_password",
    ),
    path("accounts/<int:pk>/active/", views.account_set_active, name="account_set_active"),
    path("phones/", views.phone_accounts, name="phone_accounts"),
    path("phones/<int:pk>/", views.phones, name="phones"),
    path(
        "phones/<int:pk>/<int:phone_pk>/deactivate/",
        views.phone_deactivate,
        name="phone_deactivate",
    ),
    # 安全审计 › 审计日志: the auditor's 日志查询 and 导出 (read only; no URL changes an entry)
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export/", audit_views.audit_export, name="audit_export"),
    # 自然村信息管理: the natural villages (村民小组) of a village
    path("natural/", natural_views.natural_villages, name="natural_villages"),
    path("natural/new/", natural_views.natural_village_add, name="natural_village_add"),
    path("natural/<int:pk>/", natural_views.natural_village_edit, name="natural_village_edit"),
    path(
        "natural/<int:pk>/remove/",
        natural_views.natural_village_remove,
        name="natural_village_remove",
    ),
    path(
        "natural/<int:pk>/reactivate/",
        natural_views.natural_village_reactivate,
        name="natural_village_reactivate",
    ),
]
