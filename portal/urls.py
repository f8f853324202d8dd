from django.urls import include, path

from archives import views as archive_views
from projects.views.disclosure import public_urlpatterns as project_public_urls
from villages import auth_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("login/", auth_views.login_view, name="login"),
    path("login/phone/", auth_views.login_phone_view, name="login_phone"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("password/", auth_views.password_change_view, name="password_change"),
    path("", include("villages.urls")),
    path("households/", include("households.urls")),
    path("units/", include("units.urls")),
    path("archives/", include("archives.urls")),  # 导出二维码信息, 我的导出, a household's code
    # The address printed in every QR code: keep it stable (SITE_URL + /q/<token>/).
    path("q/<str:token>/", archive_views.public_page, name="qr_public"),
    path("assessment/", include("assessment.urls")),
    path("projects/", include("projects.urls")),
    # The address printed in every board notice's QR code: keep it stable too.
    *project_public_urls,
    path("exchange/", include("exchange.urls")),  # 数据导入, 导出贫困户信息
    path("quality/", include("quality.urls")),
    path("stats/", include("stats.urls")),
    path("identification/", include("identification.urls")),
    path("monitoring/", include("monitoring.urls")),  # 防止返贫监测
    path("reports/", include("reports.urls")),  # 信息表打印, 变更查询, 销户查询
]

handler400 = "portal.views.error_400"
handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"
