from django.urls import path

from .views import queries

# Mounted under /reports/ (poverty_system/urls.py).
app_name = "reports"

urlpatterns = [
    path("changes/", queries.changes, name="changes"),  # 贫困户变更查询
    path("removals/", queries.removals, name="removals"),  # 贫困户销户查询
]
