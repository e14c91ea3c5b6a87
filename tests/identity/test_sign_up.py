"""Citizen sign-up: every bad input has its own message and nothing is saved."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from identity.models import AccountEvent, OneTimeCode
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "id_number": "079190000777",
    "full_name": "Nguyễn Thị Hoa",
    "birth_date": "1990-03-04",
    "sex": "female",
    "phone": "0987 000 111",
    "email": "hoa@example.vn",
    "password1": "Vung-Tau-bien-xanh-2026",
    "password2": "Vung-Tau-bien-xanh-2026",
}


def post(client, **changes):
    return client.post("/dang-ky/", {**GOOD, **changes})


def test_sign_up_creates_a_level_1_account_and_sends_codes(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)

    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/xac-minh/"
    user = get_user_model().objects.get(id_number="079190000777")
    assert user.phone == "0987000111"
    assert user.verification_level == 1
    assert user.phone_verified_at is None
    # The username never carries the ID number (it shows in admin lists and logs).
    assert "079190000777" not in user.username
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AccountEvent.objects.filter(user=user, kind="signed_up").exists()
    [sms] = sms_outbox.messages()
    assert sms["phone"] == "0987000111"
    assert re.search(r"\b\d{6}\b", sms["message"])
    [email] = mail.outbox
    assert email.to == ["hoa@example.vn"]
    assert "/tai-khoan/xac-minh-email/" in email.body


def test_sign_up_page_is_vietnamese_and_accessible(client):
    html = client.get("/dang-ky/").content.decode()

    assert "Đăng ký tài khoản" in html
    assert "Số định danh cá nhân (CCCD)" in html
    for input_id in re.findall(r'<input(?![^>]*type="(?:hidden|radio)")[^>]*\sid="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id_number": "07919000077"}, "phải gồm đúng 12 chữ số"),
        ({"id_number": "003190000777"}, "không phải mã tỉnh"),
        ({"id_number": "079390000777"}, "không khớp với ngày sinh"),
        ({"id_number": "079090000777"}, "không khớp với giới tính"),
        ({"id_number": "079191000777"}, "hai số cuối của năm sinh"),
        ({"phone": "12345", "email": ""}, "10 chữ số"),
        ({"phone": "", "email": ""}, "số điện thoại hoặc địa chỉ email"),
        ({"password2": "something-else-2026"}, "Hai mật khẩu không giống nhau"),
        ({"password1": "12345678901", "password2": "12345678901"}, "hoàn toàn là số"),
        ({"birth_date": "2090-01-01", "id_number": "079390000777"}, "tương lai"),
    ],
)
def test_bad_input_gets_its_own_message_and_saves_nothing(client, changes, message):
    response = post(client, **changes)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, html[html.find("field__error") - 200 :][:800]
    assert 'aria-invalid="true"' in html
    assert not get_user_model().objects.exists()
    assert not OneTimeCode.objects.exists()


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        ({"citizen": True}, "Đã có tài khoản với số định danh cá nhân này"),
        ({"email": "HOA@example.vn"}, "Đã có tài khoản dùng địa chỉ email này"),
        ({"phone": "0987000111"}, "Đã có tài khoản dùng số điện thoại này"),
    ],
)
def test_duplicates_are_refused(client, existing, message):
    UserFactory(**existing)

    response = post(client)

    assert message in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_the_id_number_never_appears_in_a_url(client):
    response = post(client)
    assert "079190000777" not in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "079190000777" not in html
