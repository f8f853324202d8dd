from django.urls import path

from . import views

# Mounted under /archives/ (portal/urls.py).
app_name = "archives"

urlpatterns = [
    path("export/", views.export_form, name="qr_export"),
    path("export/start/", views.export_start, name="qr_export_start"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/retry/", views.export_retry, name="export_retry"),
    path("households/<int:pk>/", views.household_code, name="household_code"),
    path(
        "households/<int:pk>/reissue/",
        views.household_reissue,
        name="household_reissue",
    ),
]
