"""Citizen sign-up: every bad input has its own message and nothing is saved; a valid
one waits for its SMS code or email link before the account exists."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from identity import services
from identity.models import AccountEvent, OneTimeCode, SignUpRequest

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


def last_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox.messages()[-1]["message"]).group(1)


def email_link(message) -> str:
    return re.search(r"https?://[^/]+(/tai-khoan/xac-minh-email/[^/\s]+/)", message.body)[1]


def test_sign_up_sends_a_code_and_a_link_and_creates_no_account_yet(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)

    assert response.status_code == 302
    assert response["Location"] == "/dang-ky/xac-nhan/"
    assert not get_user_model().objects.exists()
    assert "_auth_user_id" not in client.session
    pending = SignUpRequest.objects.get()
    assert pending.dispatched_at is not None
    assert pending.password != GOOD["password1"]  # a hash
    [sms] = sms_outbox.messages()
    assert sms["phone"] == "0987000111"
    assert last_code(sms_outbox) not in pending.phone_code_hash
    [email] = mail.outbox
    assert email.to == ["hoa@example.vn"]
    assert "/tai-khoan/xac-minh-email/" in email.body

    page = client.get("/dang-ky/xac-nhan/").content.decode()
    assert "Kiểm tra điện thoại và email" in page
    assert "0987•••111" in page
    assert "h•••@example.vn" in page


def test_the_sms_code_creates_a_level_1_account_and_signs_in(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client)

    wrong = client.post(
        "/dang-ky/xac-nhan/", {"code": "000000" if last_code(sms_outbox) != "000000" else "111111"}
    )
    assert "Mã không đúng hoặc không còn hiệu lực" in wrong.content.decode()
    response = client.post("/dang-ky/xac-nhan/", {"code": last_code(sms_outbox)})

    assert response["Location"] == "/tai-khoan/"
    user = get_user_model().objects.get(id_number="079190000777")
    assert user.verification_level == 1
    assert user.phone == "0987000111"
    assert user.phone_verified_at is not None
    assert user.email_verified_at is None
    assert user.check_password(GOOD["password1"])
    # The username never carries the ID number (it shows in admin lists and logs).
    assert "079190000777" not in user.username
    assert client.session["_auth_user_id"] == str(user.pk)
    assert set(AccountEvent.objects.filter(user=user).values_list("kind", flat=True)) >= {
        "signed_up",
        "contact_verified",
    }
    assert not SignUpRequest.objects.exists()
    # The link sent with the sign-up now confirms the account's email address.
    assert client.post(email_link(mail.outbox[0])).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_the_email_link_creates_the_account_and_the_code_still_confirms_the_phone(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client)
    path = email_link(mail.outbox[0])

    assert client.get(path).status_code == 200  # a mail scanner's GET uses nothing up
    assert not get_user_model().objects.exists()
    response = client.post(path)

    assert response["Location"] == "/dang-nhap/"
    user = get_user_model().objects.get()
    assert user.email_verified_at is not None
    assert user.phone_verified_at is None
    assert client.post(path).status_code == 400  # used
    client.force_login(user)
    client.post("/tai-khoan/xac-minh/", {"action": "verify-phone", "code": last_code(sms_outbox)})
    user.refresh_from_db()
    assert user.phone_verified_at is not None


def test_a_pending_sign_up_takes_a_few_codes_only(
    client, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_CODE_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="")
    code = last_code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    answers = [client.post("/dang-ky/xac-nhan/", {"code": c}) for c in (wrong, wrong, code)]

    # The same message for a wrong code and for the right one tried too late.
    for answer in answers:
        assert answer.status_code == 200
        assert "Mã không đúng hoặc không còn hiệu lực" in answer.content.decode()
    assert not get_user_model().objects.exists()


def test_an_expired_code_is_refused(client, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="")
    SignUpRequest.objects.update(phone_code_expires_at=timezone.now())
    response = client.post("/dang-ky/xac-nhan/", {"code": last_code(sms_outbox)})
    assert "Mã không đúng hoặc không còn hiệu lực" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_an_account_taken_meanwhile_is_not_doubled(
    client, sms_outbox, django_capture_on_commit_callbacks
):
    """Two pending sign-ups of one person: the first confirmed wins; the second's code
    creates nothing, and the owner is told."""
    other = Client()
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="")
    first = last_code(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        post(other, email="", phone="0912345678")
    second = last_code(sms_outbox)
    assert client.post("/dang-ky/xac-nhan/", {"code": first})["Location"] == "/tai-khoan/"

    with django_capture_on_commit_callbacks(execute=True):
        response = other.post("/dang-ky/xac-nhan/", {"code": second}, follow=True)

    assert "Không thể tạo tài khoản" in response.content.decode()
    assert get_user_model().objects.count() == 1
    assert not SignUpRequest.objects.exists()
    assert "tạo tài khoản mới" in sms_outbox.messages()[-1]["message"]


def test_an_over_long_email_is_a_form_error(client):
    response = post(client, email="a" * 250 + "@example.vn")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not SignUpRequest.objects.exists()


def test_the_confirmation_page_needs_a_sign_up(client):
    assert client.get("/dang-ky/xac-nhan/")["Location"] == "/dang-ky/"
    assert client.post("/dang-ky/xac-nhan/", {"code": "123456"})["Location"] == "/dang-ky/"


def test_a_worker_runs_a_sign_up_once(sms_outbox, django_capture_on_commit_callbacks):
    pending = services.sign_up_request(
        id_number=GOOD["id_number"],
        full_name=GOOD["full_name"],
        birth_date=datetime.date(1990, 3, 4),
        sex="female",
        phone="0987000111",
        password=GOOD["password1"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sign_up_dispatch(sign_up_id=str(pending.pk)) == "sent"
        assert services.sign_up_dispatch(sign_up_id=str(pending.pk)) == "gone"
    assert len(sms_outbox.messages()) == 1


def test_expired_pending_sign_ups_are_deleted(django_capture_on_commit_callbacks):
    pending = services.sign_up_request(
        id_number=GOOD["id_number"],
        full_name=GOOD["full_name"],
        birth_date=datetime.date(1990, 3, 4),
        sex="female",
        phone="0987000111",
        password=GOOD["password1"],
    )
    SignUpRequest.objects.update(expires_at=timezone.now())
    assert services.sign_up_dispatch(sign_up_id=str(pending.pk)) == "gone"
    assert not SignUpRequest.objects.exists()


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
    assert not SignUpRequest.objects.exists()
    assert not OneTimeCode.objects.exists()


def test_the_id_number_never_appears_in_a_url(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client)
    assert "079190000777" not in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "079190000777" not in html
    assert "079190000777" not in mail.outbox[0].body
