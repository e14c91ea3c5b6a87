"""Doors that name an account answer the same whether or not it exists, within limits."""

import pytest
from django.test import Client

from identity.models import BusinessMembership
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def _forgot(client, identifier):
    return client.post("/quen-mat-khau/", {"identifier": identifier})


def test_sms_reset_answers_alike_for_a_paused_phone_and_an_unknown_one(
    sms_outbox, django_capture_on_commit_callbacks
):
    UserFactory(citizen=True)  # phone 0987000111
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        first = _forgot(client, "0987000111")
    # A second ask within the minute: no new code, and no "wait" that would tell.
    again = _forgot(client, "0987000111")
    unknown = _forgot(Client(), "0900000000")

    assert [first.status_code, again.status_code, unknown.status_code] == [302, 302, 302]
    assert again["Location"] == unknown["Location"] == "/quen-mat-khau/ma-sms/"
    assert len(sms_outbox.messages()) == 1


def test_sms_reset_is_limited_per_address_and_per_phone(settings):
    settings.ACCOUNT_DOOR_RATE = 2
    client = Client(REMOTE_ADDR="10.0.8.1")
    codes = [_forgot(client, f"090000000{n}").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert "thử quá nhiều lần" in _forgot(client, "0900000009").content.decode()

    # One phone from many addresses is limited too, account or not.
    codes = [_forgot(Client(REMOTE_ADDR=f"10.0.9.{n}"), "0911111111").status_code for n in range(3)]
    assert codes == [302, 302, 429]


@pytest.fixture
def representative():
    from identity.models import Business

    user = UserFactory(citizen=True)
    business = Business.objects.create(
        enterprise_code="0100109106", name="Demo", legal_representative="A"
    )
    BusinessMembership.objects.create(business=business, user=user, role="representative")
    client = Client()
    client.force_login(user)
    return client, business


def test_add_member_answers_alike_for_an_unknown_contact(representative):
    client, business = representative
    other = UserFactory(email="ke-toan@example.vn")
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"

    known = client.post(url, {"member": "ke-toan@example.vn", "role": "staff"}, follow=True)
    unknown = client.post(url, {"member": "ai-do@example.vn", "role": "staff"}, follow=True)

    assert known.status_code == unknown.status_code == 200
    assert other.businesses.get() == business
    message = "Nếu có tài khoản dùng email hoặc số điện thoại này"
    assert message in known.content.decode()
    assert message in unknown.content.decode()
    assert "Không có tài khoản nào" not in unknown.content.decode()
    assert business.memberships.count() == 2


def test_add_member_is_rate_limited(representative, settings):
    settings.ACCOUNT_DOOR_RATE = 2
    client, business = representative
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    for n in range(2):
        assert client.post(url, {"member": f"x{n}@example.vn", "role": "staff"}).status_code == 302
    response = client.post(url, {"member": "x9@example.vn", "role": "staff"})
    assert response.status_code == 200
    assert "thử quá nhiều lần" in response.content.decode()


def test_sign_up_is_limited_per_address_and_per_id_number(settings):
    from tests.identity.test_sign_up import GOOD

    settings.ACCOUNT_DOOR_RATE = 2
    UserFactory(citizen=True)  # holds GOOD's ID number
    client = Client(REMOTE_ADDR="10.0.10.1")
    codes = [client.post("/dang-ky/", GOOD).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "thử quá nhiều lần" in client.post("/dang-ky/", GOOD).content.decode()
    other = Client(REMOTE_ADDR="10.0.10.2")
    assert other.post("/dang-ky/", GOOD).status_code == 429  # the same ID number
