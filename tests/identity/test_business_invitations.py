"""A representative invites an email or phone; the owner of that verified contact
accepts or declines from their account; nobody else can answer it."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from identity import services
from identity.constants import BusinessRole
from identity.models import AccountEvent, Business, BusinessInvitation, BusinessMembership
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def business():
    business = Business.objects.create(
        enterprise_code="0100109106", name="Công ty Demo", legal_representative="Hoa"
    )
    boss = UserFactory(citizen=True)
    BusinessMembership.objects.create(business=business, user=boss, role="representative")
    business.boss = boss
    return business


@pytest.fixture
def invitee():
    now = timezone.now()
    return UserFactory(
        email="ke-toan@example.vn", phone="0912345678", email_verified_at=now, phone_verified_at=now
    )


def invite(business, contact="Ke-Toan@example.vn ", role=BusinessRole.STAFF):
    return services.business_invitation_create(
        business=business, actor=business.boss, contact=contact, role=role
    )


def accept(client, invitation):
    return client.post(f"/tai-khoan/loi-moi/{invitation.pk}/chap-nhan/")


def test_the_owner_is_told_and_accepts(
    business, invitee, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(business)
    assert invitation.contact == "ke-toan@example.vn"
    [notice] = mail.outbox
    assert notice.to == [invitee.email]
    assert "Công ty Demo" in notice.body and "/tai-khoan/" in notice.body
    assert [sms["phone"] for sms in sms_outbox.messages()] == [invitee.phone]

    client = signed_in(invitee)
    assert "Công ty Demo" in client.get("/tai-khoan/").content.decode()
    response = accept(client, invitation)

    assert response.status_code == 302
    membership = BusinessMembership.objects.get(business=business, user=invitee)
    assert membership.role == BusinessRole.STAFF
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    event = AccountEvent.objects.get(user=invitee, kind="business_member_added")
    assert event.actor == business.boss
    # Answered: it is no longer listed, and cannot be accepted twice.
    page = signed_in(business.boss).get(f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/")
    assert "ke-toan@example.vn" not in page.content.decode()
    assert invitee.display_name in page.content.decode()
    accept(client, invitation)
    assert BusinessMembership.objects.filter(user=invitee).count() == 1


def test_a_phone_invitation_is_answered_by_the_phone_owner(business, invitee):
    invitation = invite(business, contact="+84 912 345 678")
    assert invitation.contact == "0912345678"
    assert accept(signed_in(invitee), invitation).status_code == 302
    assert invitee.businesses.get() == business


def test_nothing_is_sent_to_a_contact_without_a_verified_account(
    business, sms_outbox, django_capture_on_commit_callbacks
):
    UserFactory(email="chua-xac-minh@example.vn", email_verified_at=None, phone="")
    with django_capture_on_commit_callbacks(execute=True):
        invite(business, contact="chua-xac-minh@example.vn")
        invite(business, contact="ai-do@example.vn")
    assert mail.outbox == []
    assert sms_outbox.messages() == []


def test_declined_expired_and_revoked_invitations_make_no_member(business, invitee):
    client = signed_in(invitee)
    declined = invite(business)
    assert client.post(f"/tai-khoan/loi-moi/{declined.pk}/tu-choi/").status_code == 302
    assert accept(client, declined).status_code == 302  # no longer valid: back to account

    expired = invite(business)
    BusinessInvitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = accept(client, expired)
    assert "không còn hiệu lực" in client.get(response["Location"]).content.decode()

    revoked = invite(business)
    boss = signed_in(business.boss)
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/loi-moi/{revoked.pk}/thu-hoi/"
    assert boss.post(url).status_code == 302
    accept(client, revoked)

    assert not BusinessMembership.objects.filter(user=invitee).exists()
    declined.refresh_from_db()
    revoked.refresh_from_db()
    assert declined.declined_at and revoked.revoked_at


def test_someone_else_cannot_answer_an_invitation(business, invitee):
    invitation = invite(business)
    stranger = signed_in(UserFactory(email="khac@example.vn", email_verified_at=timezone.now()))
    assert accept(stranger, invitation).status_code == 404
    assert stranger.post(f"/tai-khoan/loi-moi/{invitation.pk}/tu-choi/").status_code == 404
    assert accept(stranger, BusinessInvitation(pk=999999)).status_code == 404
    # The contact typed but not verified by its owner does not count either.
    unverified = UserFactory(email="chua@example.vn", email_verified_at=None, phone="")
    other = invite(business, contact="chua@example.vn")
    assert accept(signed_in(unverified), other).status_code == 404
    assert (
        signed_in(invitee).get(f"/tai-khoan/loi-moi/{invitation.pk}/chap-nhan/").status_code == 405
    )
    assert not BusinessMembership.objects.exclude(user=business.boss).exists()


def test_only_a_representative_invites_and_revokes(business, invitee):
    clerk = UserFactory()
    BusinessMembership.objects.create(business=business, user=clerk, role=BusinessRole.STAFF)
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    response = signed_in(clerk).post(url, {"member": "x@example.vn", "role": "staff"})
    assert response.status_code == 403
    assert not BusinessInvitation.objects.exists()

    invitation = invite(business)
    signed_in(clerk).post(f"/tai-khoan/doanh-nghiep/{business.pk}/loi-moi/{invitation.pk}/thu-hoi/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    outsider = signed_in(UserFactory())
    revoke = f"/tai-khoan/doanh-nghiep/{business.pk}/loi-moi/{invitation.pk}/thu-hoi/"
    assert outsider.post(revoke).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"member": "012345678901", "role": "staff"},  # an ID number is not a contact
        {"member": "not-an-email@", "role": "staff"},
        {"member": "x@example.vn", "role": "owner"},
        {"member": "", "role": ""},
        {"member": "\x00@example.vn", "role": "staff"},
        {"member": "a" * 300, "role": "staff"},
    ],
)
def test_bad_input_is_a_form_error(business, data):
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    response = signed_in(business.boss).post(url, data)
    assert response.status_code in (200, 400)  # 400: a NUL byte is refused before the view
    assert not BusinessInvitation.objects.exists()


def test_a_repeated_invitation_is_one(business, invitee):
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    client = signed_in(business.boss)
    for _ in range(2):
        client.post(url, {"member": "ke-toan@example.vn", "role": "staff"})
    assert BusinessInvitation.objects.count() == 1


def test_a_member_who_accepts_again_keeps_their_role(business, invitee):
    BusinessMembership.objects.create(
        business=business, user=invitee, role=BusinessRole.REPRESENTATIVE
    )
    invitation = invite(business)
    accept(signed_in(invitee), invitation)
    assert BusinessMembership.objects.get(user=invitee).role == BusinessRole.REPRESENTATIVE
