"""The product's own error pages: what a citizen gets in production, shown on demand in
development at /__loi/<400|404|500>/ (DEBUG keeps Django's technical pages for real
errors); without DEBUG those addresses do not exist."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["400", "404", "500"])
def test_the_previews_do_not_exist_without_debug(client, status):
    response = client.get(f"/__loi/{status}/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
def test_in_development_the_product_404_page_is_shown_on_demand(client, settings):
    settings.DEBUG = True
    response = client.get("/__loi/404/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in html and 'href="/thu-tuc/"' in html
    # The product's page, not Django's technical one listing every URL.
    assert "URLconf" not in html and "Using the URLconf" not in html
    # A real unknown address keeps the technical page a developer needs.
    assert "URLconf" in client.get("/khong-ton-tai/").content.decode()


@pytest.mark.django_db
def test_in_development_the_product_400_page_is_shown_on_demand(client, settings):
    settings.DEBUG = True
    response = client.get("/__loi/400/")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_the_500_page_is_served_without_the_database_or_a_request_context(settings):
    """No django_db mark: any database access would fail the test. Django renders
    500.html with an empty context, as after a real crash."""
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/__loi/500/")
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="vi">' in html
    assert "Đã có lỗi xảy ra" in html and 'href="/static/css/main.css"' in html
    assert "Traceback" not in html


def test_the_500_page_follows_the_language(settings):
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/__loi/500/").content.decode()
    assert '<html lang="en">' in html and "Something went wrong" in html
