"""Contact verification (SMS code, email link) and password reset by SMS or email."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from identity import services
from identity.constants import CodePurpose
from identity.models import AccountEvent, OneTimeCode
from tests.identity.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def last_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox.messages()[-1]["message"]).group(1)


@pytest.fixture
def citizen():
    return UserFactory(citizen=True)


def test_phone_code_verifies_once(client, citizen, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    code = last_code(sms_outbox)
    client.force_login(citizen)

    wrong = client.post("/tai-khoan/xac-minh/", {"action": "verify-phone", "code": "000000"})
    assert "Mã không đúng" in wrong.content.decode()
    ok = client.post("/tai-khoan/xac-minh/", {"action": "verify-phone", "code": code})
    assert ok.status_code == 302
    citizen.refresh_from_db()
    assert citizen.phone_verified_at is not None
    with pytest.raises(services.CodeRejected) as again:
        services.contact_code_check(user=citizen, purpose=CodePurpose.VERIFY_PHONE, code=code)
    assert again.value.reason == "used"
    # Only a keyed hash is stored.
    assert code not in OneTimeCode.objects.get().code_hash


def test_codes_expire(citizen, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(services.CodeRejected) as info:
        services.phone_verify(user=citizen, code=last_code(sms_outbox))
    assert info.value.reason == "expired"


def test_wrong_attempts_are_limited(
    citizen, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_CODE_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    for _ in range(3):
        with pytest.raises(services.CodeRejected):
            services.phone_verify(
                user=citizen, code="999999" if last_code(sms_outbox) != "999999" else "111111"
            )
    with pytest.raises(services.CodeRejected) as info:
        services.phone_verify(user=citizen, code=last_code(sms_outbox))
    assert info.value.reason == "too_many_attempts"


def test_sending_is_rate_limited(citizen, sms_outbox, settings):
    settings.CONTACT_CODE_MIN_INTERVAL_SECONDS = 60
    services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    with pytest.raises(services.RateLimited) as info:
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    assert 0 < info.value.wait_seconds <= 61

    settings.CONTACT_CODE_MIN_INTERVAL_SECONDS = 0
    settings.CONTACT_CODE_MAX_PER_HOUR = 2
    services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    with pytest.raises(services.RateLimited):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)


def test_a_new_code_cancels_the_previous_one(
    citizen, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_CODE_MIN_INTERVAL_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    first = last_code(sms_outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=citizen, purpose=CodePurpose.VERIFY_PHONE)
    second = last_code(sms_outbox)
    if first != second:
        with pytest.raises(services.CodeRejected):
            services.phone_verify(user=citizen, code=first)
    services.phone_verify(user=citizen, code=second)


def test_email_link_verifies_once(client, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.email_verification_send(user=citizen)
    path = re.search(r"https?://[^/]+(/tai-khoan/xac-minh-email/[^/\s]+/)", mail.outbox[0].body)[1]

    # Opening the link (a mail scanner might) does not use it up.
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    citizen.refresh_from_db()
    assert citizen.email_verified_at is not None
    again = client.post(path)
    assert again.status_code == 400
    assert "đã được sử dụng" in again.content.decode()


def test_password_reset_by_sms(client, citizen, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/quen-mat-khau/", {"identifier": "0987 000 111"})
    assert response["Location"] == "/quen-mat-khau/ma-sms/"
    code = last_code(sms_outbox)

    response = client.post(
        "/quen-mat-khau/ma-sms/",
        {"code": code, "new_password1": "Moc-Chau-2026-moi", "new_password2": "Moc-Chau-2026-moi"},
    )

    assert response["Location"] == "/dang-nhap/"
    citizen.refresh_from_db()
    assert citizen.check_password("Moc-Chau-2026-moi")
    assert AccountEvent.objects.filter(user=citizen, kind="password_reset").exists()


def test_password_reset_for_an_unknown_phone_looks_the_same(client, sms_outbox):
    response = client.post("/quen-mat-khau/", {"identifier": "0900000000"})

    assert response["Location"] == "/quen-mat-khau/ma-sms/"
    assert sms_outbox.messages() == []
    response = client.post(
        "/quen-mat-khau/ma-sms/",
        {
            "code": "123456",
            "new_password1": "Moc-Chau-2026-moi",
            "new_password2": "Moc-Chau-2026-moi",
        },
    )
    assert "Mã không đúng hoặc không còn hiệu lực" in response.content.decode()


def test_password_reset_by_email_link(client, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/quen-mat-khau/", {"identifier": citizen.email})
    [email] = mail.outbox
    path = re.search(r"https?://[^/]+(/dat-lai-mat-khau/\S+)", email.body)[1]

    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Sa-Pa-2026-tuyet", "new_password2": "Sa-Pa-2026-tuyet"}
    )

    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("Sa-Pa-2026-tuyet")
    assert AccountEvent.objects.filter(user=citizen, kind="password_reset").exists()
    assert (
        Client().post("/dang-nhap/", {"username": "079190000777", "password": PASSWORD}).status_code
        == 200
    )


def test_business_sign_up_and_members(client, citizen):
    other = UserFactory(email="ke-toan@example.vn", email_verified_at=timezone.now())
    client.force_login(citizen)

    bad = client.post(
        "/tai-khoan/doanh-nghiep/dang-ky/",
        {
            "enterprise_code": "0100109107",
            "name": "X",
            "legal_representative": "Y",
            "role": "representative",
        },
    )
    assert "sai chữ số kiểm tra" in bad.content.decode()

    response = client.post(
        "/tai-khoan/doanh-nghiep/dang-ky/",
        {
            "enterprise_code": "0100109106-001",
            "name": "Chi nhánh Demo",
            "legal_representative": "Nguyễn Thị Hoa",
            "role": "representative",
        },
    )
    assert response.status_code == 302
    business = citizen.businesses.get()
    assert business.enterprise_code == "0100109106-001"

    dup = client.post(
        "/tai-khoan/doanh-nghiep/dang-ky/",
        {
            "enterprise_code": "0100109106-001",
            "name": "Z",
            "legal_representative": "Z",
            "role": "staff",
        },
    )
    assert "đã được đăng ký" in dup.content.decode()

    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    assert client.post(url, {"member": "ke-toan@example.vn", "role": "staff"}).status_code == 302
    assert not other.businesses.exists()  # invited, a member once they accept
    invitation = business.invitations.get()
    accepting = Client()
    accepting.force_login(other)
    assert accepting.post(f"/tai-khoan/loi-moi/{invitation.pk}/chap-nhan/").status_code == 302
    assert other.businesses.get() == business

    from identity.selectors import acting_parties_for

    assert acting_parties_for(other) == [
        ("self", str(other)),
        (f"business:{business.pk}", str(business)),
    ]
    staff = Client()
    staff.force_login(other)
    assert staff.post(url, {"member": citizen.email, "role": "staff"}).status_code == 403
    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(url).status_code == 404
