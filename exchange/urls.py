from django.urls import path

from . import department_views, views

# Mounted under /exchange/ (portal/urls.py).
app_name = "exchange"

urlpatterns = [
    path("import/", views.import_page, name="import"),  # 数据导入
    path("import/template/", views.template_download, name="template"),
    path("import/upload/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/report/", views.import_report, name="import_report"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("export/", views.export_page, name="export"),  # 导出, from 管理贫困户信息
    path("export/start/", views.export_start, name="export_start"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/retry/", views.export_retry, name="export_retry"),
    *department_views.urlpatterns,  # 防止返贫监测 › 部门数据比对
]
