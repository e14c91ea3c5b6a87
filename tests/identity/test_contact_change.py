"""Changing the phone number or email: password asked, uniqueness kept, re-confirmation."""

import pytest
from django.utils import timezone

from identity.models import AccountEvent
from tests.identity.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/tai-khoan/lien-he/"


@pytest.fixture
def citizen():
    return UserFactory(
        citizen=True,
        email="ha@example.vn",
        phone="0912345678",
        email_verified_at=timezone.now(),
        phone_verified_at=timezone.now(),
    )


def test_changing_the_phone_unconfirms_only_the_phone(client, citizen):
    client.force_login(citizen)
    response = client.post(
        URL, {"phone": "+84 913 000 111", "email": "ha@example.vn", "current_password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/xac-minh/"
    citizen.refresh_from_db()
    assert citizen.phone == "0913000111" and citizen.phone_verified_at is None
    assert citizen.email_verified_at is not None
    event = AccountEvent.objects.get(user=citizen, kind="contact_changed")
    assert event.data == {"channels": ["sms"]}
    assert "0913000111" not in str(event.data)


def test_wrong_password_changes_nothing(client, citizen):
    client.force_login(citizen)
    response = client.post(
        URL, {"phone": "0913000111", "email": "new@example.vn", "current_password": "wrong"}
    )
    assert response.status_code == 200
    assert "Mật khẩu không đúng." in response.content.decode()
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.email) == ("0912345678", "ha@example.vn")


def test_contacts_of_another_account_and_empty_contacts_are_refused(client, citizen):
    UserFactory(email="taken@example.vn", phone="0987654321")
    client.force_login(citizen)
    taken = client.post(
        URL, {"phone": "0987654321", "email": "TAKEN@example.vn", "current_password": PASSWORD}
    ).content.decode()
    assert "Đã có tài khoản dùng địa chỉ email này." in taken
    empty = client.post(URL, {"phone": "", "email": "", "current_password": PASSWORD})
    assert "Hãy giữ ít nhất số điện thoại hoặc địa chỉ email" in empty.content.decode()
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.email) == ("0912345678", "ha@example.vn")
    assert not AccountEvent.objects.filter(user=citizen, kind="contact_changed").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
