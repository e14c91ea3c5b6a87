"""The back office's own header: the officials' menu by role, one way out, and the
officials' sign-in worded for what they type."""

import re

import pytest
from django.urls import reverse

from identity.constants import OfficialRole
from tests.helpers import force_login_verified
from tests.identity.factories import PASSWORD, make_official

pytestmark = pytest.mark.django_db

CITIZEN_MENU = ("Hồ sơ của tôi", "Kho giấy tờ", "Phản ánh của tôi")


def _menu(html: str) -> list[str]:
    nav = re.search(
        r'<nav class="site-nav" aria-label="Menu bộ phận một cửa">(.*?)</nav>', html, re.S
    )
    assert nav, "no back-office menu"
    return [
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(r"<li><a [^>]*>(.*?)</a>", nav[1], re.S)
    ]


@pytest.mark.parametrize(
    "role, expected",
    [
        (
            OfficialRole.RECEPTIONIST,
            [
                "Hàng đợi hồ sơ",
                "Tiếp nhận tại quầy",
                "Xin ý kiến liên thông",
                "Phản ánh, kiến nghị",
            ],
        ),
        (
            OfficialRole.SPECIALIST,
            ["Hàng đợi hồ sơ", "Xin ý kiến liên thông", "Phản ánh, kiến nghị"],
        ),
        (
            OfficialRole.LEADER,
            [
                "Hàng đợi hồ sơ",
                "Xin ý kiến liên thông",
                "Phản ánh, kiến nghị",
                "Thống kê",
                "Radar điểm nghẽn",
            ],
        ),
    ],
)
def test_each_role_sees_what_it_may_open_and_one_sign_out(client, role, expected):
    force_login_verified(client, make_official(role))

    html = client.get(reverse("backoffice:home")).content.decode()

    assert _menu(html) == expected
    for label in CITIZEN_MENU:
        assert label not in html
    assert html.count(">Đăng xuất</button>") == 1
    assert f'action="{reverse("backoffice:logout")}"' in html
    assert 'aria-current="page">Hàng đợi hồ sơ</a>' in html


def test_every_menu_entry_opens_for_that_official(client):
    for role in OfficialRole.values:
        official = make_official(role, username=f"menu-{role}")
        force_login_verified(client, official)
        html = client.get(reverse("backoffice:home")).content.decode()
        for href in re.findall(
            r'<li><a href="([^"]+)"', html.split('class="site-nav"')[1].split("</nav>")[0]
        ):
            assert client.get(href).status_code == 200, (role, href)


def test_the_menu_marks_the_page_open(client):
    force_login_verified(client, make_official(OfficialRole.RECEPTIONIST))

    html = client.get(reverse("backoffice:counter")).content.decode()

    assert 'aria-current="page">Tiếp nhận tại quầy</a>' in html
    assert 'aria-current="page">Hàng đợi hồ sơ</a>' not in html


def test_sign_in_page_asks_for_the_username_and_shows_no_menu(client):
    html = client.get(reverse("backoffice:login")).content.decode()

    assert ">Tên đăng nhập</label>" in html
    assert "Số định danh cá nhân, email hoặc số điện thoại" not in html
    assert "Đăng xuất" not in html and "Hàng đợi hồ sơ" not in html
    for label in CITIZEN_MENU:
        assert label not in html


def test_a_wrong_password_names_the_username(client):
    official = make_official(OfficialRole.SPECIALIST)

    response = client.post(
        reverse("backoffice:login"), {"username": official.username, "password": PASSWORD + "x"}
    )

    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_the_code_page_offers_only_the_way_out(client):
    official = make_official(OfficialRole.SPECIALIST)
    client.post(reverse("backoffice:login"), {"username": official.username, "password": PASSWORD})

    html = client.get(reverse("backoffice:otp-verify")).content.decode()

    assert html.count(">Đăng xuất</button>") == 1
    assert "Hàng đợi hồ sơ" not in html


def test_an_official_reads_notifications_under_the_back_office_header(client):
    force_login_verified(client, make_official(OfficialRole.SPECIALIST))

    html = client.get(reverse("notifications:list")).content.decode()

    assert _menu(html) == ["Hàng đợi hồ sơ", "Xin ý kiến liên thông", "Phản ánh, kiến nghị"]
    for label in CITIZEN_MENU:
        assert label not in html


def test_a_citizen_reads_notifications_under_the_portal_header(client):
    from tests.identity.factories import UserFactory

    client.force_login(UserFactory())

    html = client.get(reverse("notifications:list")).content.decode()

    assert "Menu bộ phận một cửa" not in html
    assert "Hồ sơ của tôi" in html
