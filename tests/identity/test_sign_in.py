"""Password sign-in, lockout, history, password change and sign-out everywhere."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from identity.models import AccountEvent
from tests.identity.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen():
    return UserFactory(citizen=True)


@pytest.mark.parametrize(
    "identifier", ["079190000777", "user0@example.vn", "0987000111", "+84 987 000 111"]
)
def test_sign_in_with_id_number_email_or_phone(client, identifier):
    user = UserFactory(citizen=True, email="user0@example.vn")

    response = client.post("/dang-nhap/", {"username": identifier, "password": PASSWORD})

    assert response.status_code == 302, response.content.decode()[:3000]
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AccountEvent.objects.get(user=user, kind="signed_in")
    assert event.ip_address == "127.0.0.1"
    assert event.data == {"method": "password"}


def test_failed_sign_in_is_logged_without_the_typed_name(client, citizen):
    response = client.post("/dang-nhap/", {"username": "079190000777", "password": "wrong"})

    assert response.status_code == 200
    assert "Mật khẩu phân biệt chữ hoa" in response.content.decode()
    event = AccountEvent.objects.get(kind="sign_in_failed")
    assert event.user == citizen
    assert "079190000777" not in str(event.data)
    # django-axes stores an account key, never the ID number.
    assert not AccessAttempt.objects.filter(username__contains="079190000777").exists()
    assert AccessAttempt.objects.get().username == f"account-{citizen.pk}"


def test_account_is_locked_after_five_failures_with_time_to_wait(client, citizen, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert (
            client.post("/dang-nhap/", {"username": "0987000111", "password": "wrong"}).status_code
            == 200
        )

    # The fifth failure, through another identifier of the same account, locks it.
    response = client.post("/dang-nhap/", {"username": "079190000777", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Đăng nhập sai quá nhiều lần" in html
    assert "thử lại sau 15 phút" in html

    # Even the right password is refused while locked, from this address.
    response = client.post("/dang-nhap/", {"username": "079190000777", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccountEvent.objects.filter(user=citizen, kind="locked_out").count() == 1


def test_profile_shows_the_last_20_sign_ins_with_time_and_ip(client, citizen):
    for n in range(22):
        c = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert c.post("/dang-nhap/", {"username": "0987000111", "password": PASSWORD})
    client.force_login(citizen)

    html = client.get("/tai-khoan/").content.decode()

    assert html.count("<tr><td>") == 20
    assert "10.0.0.22" in html
    assert "10.0.0.2<" not in html  # the two oldest are not shown
    assert "*********777" in html
    assert "079190000777" not in html


def test_password_change_keeps_this_session_and_ends_others(client, citizen):
    other = Client()
    other.force_login(citizen)
    client.force_login(citizen)

    response = client.post(
        "/tai-khoan/doi-mat-khau/",
        {
            "old_password": PASSWORD,
            "new_password1": "Ha-Long-2026-moi",
            "new_password2": "Ha-Long-2026-moi",
        },
    )

    assert response.status_code == 302
    assert client.get("/tai-khoan/").status_code == 200
    assert other.get("/tai-khoan/").status_code == 302
    assert AccountEvent.objects.filter(user=citizen, kind="password_changed").exists()


def test_sign_out_everywhere_ends_every_session(client, citizen):
    phone, laptop = Client(), Client()
    phone.force_login(citizen)
    laptop.force_login(citizen)

    response = phone.post("/tai-khoan/dang-xuat-moi-noi/")

    assert response["Location"] == "/dang-nhap/"
    assert laptop.get("/tai-khoan/").status_code == 302
    assert phone.get("/tai-khoan/").status_code == 302
    assert AccountEvent.objects.filter(user=citizen, kind="signed_out_everywhere").exists()
    # The password still works for a new sign-in.
    assert (
        client.post("/dang-nhap/", {"username": "0987000111", "password": PASSWORD}).status_code
        == 302
    )


def test_citizen_session_expires_after_inactivity(client, citizen, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.post("/dang-nhap/", {"username": "0987000111", "password": PASSWORD})
    client.get("/tai-khoan/")
    assert client.session.get_expiry_age() == 600
