from .archives import urls as archives

app_name = "units"

urlpatterns = [
    *archives.urlpatterns,  # 导出二维码信息, 我的导出, a household's code
]
