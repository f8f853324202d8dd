"""Chinese error pages: 403 says why when the refusal carries a reason, 404 and 500 are
Chinese; so are a request Django refuses itself (400: too large, too many fields, a bad
Host) and a failed CSRF check (403, without Django's hint to set DEBUG)."""

from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

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


def test_a_request_too_large_or_with_too_many_fields_is_told_in_chinese(world, login, settings):
    client = login(world.county_office)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
    response = client.post("/households/", {"q": "张" * (1024 * 1024)})
    assert response.status_code == 400
    assert "提交的内容过大（超过 2 MB）" in response.content.decode()
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = client.post("/households/", {f"f{n}": "1" for n in range(10)})
    assert response.status_code == 400
    assert "一次提交的字段过多" in response.content.decode()


def test_a_bad_host_gets_the_chinese_400(db, client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_a_post_without_its_csrf_token_gets_the_chinese_403(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.county_office)
    response = client.post("/password/", {"old_password": "x"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "页面已过期或安全校验未通过" in text and "DEBUG" not in text
