from django.urls import path

from .views import queries, sheets

# Mounted under /reports/ (portal/urls.py).
app_name = "reports"

urlpatterns = [
    path("changes/", queries.changes, name="changes"),  # 贫困户变更查询
    path("removals/", queries.removals, name="removals"),  # 贫困户销户查询
    # 信息表打印: the print pages, and the Word files of a household or a village
    path("print/info/", sheets.info_page, name="info_print"),
    path("print/compare/", sheets.compare_page, name="compare_print"),
    path("print/villages/", sheets.village_page, name="village_print"),
    path("print/natural/", sheets.natural_page, name="natural_print"),
    path("print/<str:kind>/selected.docx", sheets.selected, name="selected"),
    path("households/<int:pk>/info.docx", sheets.household_info, name="household_info"),
    path("households/<int:pk>/compare.docx", sheets.household_compare, name="household_compare"),
    path("villages/<int:pk>/info.docx", sheets.village_info, name="village_info"),
    path("villages/<int:pk>/compare.docx", sheets.village_compare, name="village_compare"),
    path("villages/<int:pk>/village.docx", sheets.village_sheet, name="village_sheet"),
    path("villages/<int:pk>/natural.docx", sheets.natural_sheet, name="natural_sheet"),
]
