"""Base UI: home, placeholders, language switch, login and the back-office gate."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen():
    return get_user_model().objects.create_user(
        username="nguyenvana", password=PASSWORD, full_name="Nguyễn Văn A"
    )


@pytest.fixture
def official():
    return get_user_model().objects.create_user(
        username="canbo01", password=PASSWORD, full_name="Trần Thị B", is_staff=True
    )


def test_home_is_vietnamese_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    html = _html(response)
    assert '<html lang="vi">' in html
    assert "Dịch vụ công trực tuyến" in html
    assert "Tìm thủ tục hành chính" in html
    assert "Chuyển đến nội dung chính" in html
    assert html.count("<h1") == 1


def test_home_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    html = _html(client.get("/"))

    assert '<html lang="en">' in html
    assert "Online public services" in html
    assert "Dịch vụ công trực tuyến" not in html


def test_language_switch_is_a_plain_post_form(client):
    html = _html(client.get("/"))

    form = re.search(r'<form class="lang-switch" method="post" action="/i18n/setlang/">', html)
    assert form, "language switch must POST to set_language without JavaScript"
    assert 'name="language" value="en"' in html
    assert 'name="language" value="vi"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_home_has_the_entry_points(client):
    html = _html(client.get("/"))

    for href in ("/thu-tuc/", "/tra-cuu/", "/dang-nhap/", "/mot-cua/"):
        assert f'href="{href}"' in html, href
    assert re.search(r'<form[^>]*method="get" action="/thu-tuc/"', html)
    assert 'name="q"' in html
    assert re.search(r'<form[^>]*method="get" action="/tra-cuu/"', html)
    assert 'name="ma"' in html


def test_every_input_has_a_label(client):
    html = _html(client.get("/"))

    for input_id in re.findall(r'<input(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


def test_htmx_comes_from_static_and_nothing_from_other_hosts(client):
    html = _html(client.get("/"))

    assert re.search(r'<script src="/static/vendor/htmx/htmx-[\d.]+\.min\.js" defer>', html)
    for url in re.findall(r'<(?:script|link|img)[^>]*\s(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


@pytest.mark.parametrize("url", ["/tra-cuu/", "/tra-cuu/?ma=000.00.11.H29-261127-0042"])
def test_lookup_page_is_live(client, url):
    response = client.get(url)

    assert response.status_code == 200
    html = _html(response)
    assert "Sắp ra mắt" not in html
    assert '<h1 class="page__title">Tra cứu hồ sơ</h1>' in html


def test_lookup_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/tra-cuu/"})

    assert "Dossier lookup" in _html(client.get("/tra-cuu/"))


def test_placeholders_echo_the_query_escaped(client):
    html = _html(client.get("/thu-tuc/", {"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    html = _html(client.get("/tra-cuu/", {"ma": "000.00.11.H29-261127-0042"}))
    assert 'value="000.00.11.H29-261127-0042"' in html


def test_backoffice_redirects_anonymous_users_to_login(client):
    response = client.get("/mot-cua/")

    assert response.status_code == 302
    # Officials have their own entry to the same accounts.
    assert response["Location"] == "/mot-cua/dang-nhap/?next=%2Fmot-cua%2F"


def test_login_page_is_vietnamese(client):
    response = client.get("/dang-nhap/?next=/mot-cua/")

    assert response.status_code == 200
    html = _html(response)
    assert '<h1 class="page__title">Đăng nhập</h1>' in html
    assert ">Số định danh cá nhân, email hoặc số điện thoại</label>" in html
    assert ">Mật khẩu</label>" in html
    assert 'name="next" value="/mot-cua/"' in html


def test_login_with_wrong_password_shows_an_error(client, citizen):
    response = client.post("/dang-nhap/", {"username": "nguyenvana", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in _html(response)
    assert "_auth_user_id" not in client.session


def test_official_logs_in_and_sees_the_dashboard(client, official):
    # An official needs an agency membership and a second factor (TOTP);
    # tests/backoffice covers the gate in depth.
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from identity.models import OfficialMembership
    from tests.identity.factories import agency_with_code

    agency = agency_with_code("000.00.11.H29")
    OfficialMembership.objects.create(user=official, agency=agency, role="specialist")
    device = TOTPDevice.objects.create(user=official, name="app", confirmed=True)
    response = client.post(
        "/dang-nhap/", {"username": "canbo01", "password": PASSWORD, "next": "/mot-cua/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/mot-cua/"
    response = client.get("/mot-cua/")
    assert response.status_code == 302
    assert response["Location"].startswith("/mot-cua/xac-thuc/")
    response = client.post(
        "/mot-cua/xac-thuc/", {"token": f"{totp(device.bin_key):06d}", "next": "/mot-cua/"}
    )
    assert response["Location"] == "/mot-cua/"

    response = client.get("/mot-cua/")

    assert response.status_code == 200
    html = _html(response)
    assert "Bộ phận một cửa" in html
    assert "Xin chào, Trần Thị B." in html
    # The back office opens on the queues: a specialist starts on "mine".
    assert "Được giao cho tôi" in html


def test_citizen_is_told_politely_that_the_back_office_is_for_officials(client, citizen):
    client.force_login(citizen)

    response = client.get("/mot-cua/")

    assert response.status_code == 403
    assert "Khu vực dành cho cán bộ" in _html(response)


def test_logout_is_post_only(client, citizen):
    client.force_login(citizen)
    assert client.get("/dang-xuat/").status_code == 405

    response = client.post("/dang-xuat/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_signed_in_header_shows_name_and_sign_out(client, citizen):
    client.force_login(citizen)

    html = _html(client.get("/"))

    assert "Nguyễn Văn A" in html
    assert re.search(r'<form method="post" action="/dang-xuat/"', html)
    assert "Đăng xuất" in html


def test_not_found_page_uses_the_layout(client):
    response = client.get("/khong-ton-tai/")

    assert response.status_code == 404
    html = _html(response)
    assert "Không tìm thấy trang" in html
    assert 'href="/thu-tuc/"' in html


def test_every_vietnamese_message_is_translated():
    po = (Path(__file__).resolve().parents[2] / "locale/vi/LC_MESSAGES/django.po").read_text()

    untranslated = re.findall(r'^msgid "(.+)"\nmsgstr ""\n(?!")', po, flags=re.M)

    assert not untranslated, untranslated


def test_server_error_page_renders_without_a_request():
    # Django renders 500.html with an empty context and no context processors.
    html = render_to_string("500.html")

    assert "Đã có lỗi xảy ra" in html
    assert 'href="/static/css/main.css"' in html


@pytest.mark.django_db
def test_english_browser_still_gets_vietnamese_until_the_switcher_is_used(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="vi")["Content-Language"] == "en"


def test_signed_in_header_links_to_the_account_page(client, citizen):
    client.force_login(citizen)
    html = _html(client.get("/"))
    assert 'class="site-nav__user" href="/tai-khoan/"' in html
