"""Chinese error pages: 403 says why when the refusal carries a reason, 404 and 500 are Chinese."""

from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from portal import views


def test_404_is_chinese(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_403_shows_the_reason_of_the_refusal(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = views.error_403(request, PermissionDenied("该户已由 139****0001 认领。"))
    text = response.content.decode()
    assert response.status_code == 403
    assert "无权操作" in text and "该户已由 139****0001 认领。" in text

    plain = views.error_403(request, PermissionDenied()).content.decode()
    assert "您的账号角色不能进行此项操作。" in plain


def test_500_is_chinese_and_needs_no_context(db):
    response = views.error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


def test_a_refusal_of_a_view_shows_the_chinese_403(world, login):
    client = login(world.village_account, world.phone)
    response = client.get("/accounts/")
    assert response.status_code == 403
    assert "无权操作" in response.content.decode()
