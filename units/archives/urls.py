from django.urls import path

from . import views

# Under the `units` namespace (units/urls.py).
urlpatterns = [
    path("archives/export/", views.export_form, name="qr_export"),
    path("archives/export/start/", views.export_start, name="qr_export_start"),
    path("archives/exports/", views.export_list, name="export_list"),
    path("archives/exports/<int:pk>/", views.export_progress, name="export_progress"),
    path("archives/exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("archives/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("archives/households/<int:pk>/", views.household_code, name="household_code"),
    path(
        "archives/households/<int:pk>/reissue/",
        views.household_reissue,
        name="household_reissue",
    ),
]
