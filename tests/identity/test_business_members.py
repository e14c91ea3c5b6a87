"""A business's representative manages its members; the last representative stays."""

import pytest
from django.test import Client

from identity.constants import BusinessRole
from identity.models import AccountEvent, Business, BusinessMembership
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    return Business.objects.create(
        enterprise_code="0100109106", name="Công ty Demo", legal_representative="Nguyễn Thị Hoa"
    )


def member(business, role, **user_fields):
    user = UserFactory(**user_fields)
    return BusinessMembership.objects.create(business=business, user=user, role=role)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(business, membership, action):
    return f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/{membership.pk}/{action}/"


def test_representative_changes_a_role_and_removes_a_member(business):
    boss = member(business, BusinessRole.REPRESENTATIVE)
    clerk = member(business, BusinessRole.STAFF)
    client = signed_in(boss.user)

    response = client.post(url(business, clerk, "vai-tro"), {"role": "representative"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.role == BusinessRole.REPRESENTATIVE

    page = client.get(f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/").content.decode()
    assert "Đổi vai trò" in page

    assert client.post(url(business, clerk, "xoa")).status_code == 302
    assert not BusinessMembership.objects.filter(pk=clerk.pk).exists()
    kinds = set(AccountEvent.objects.filter(user=clerk.user).values_list("kind", flat=True))
    assert {"business_member_role_changed", "business_member_removed"} <= kinds


def test_the_last_representative_can_neither_step_down_nor_leave(business):
    boss = member(business, BusinessRole.REPRESENTATIVE)
    member(business, BusinessRole.STAFF)
    client = signed_in(boss.user)

    client.post(url(business, boss, "vai-tro"), {"role": "staff"})
    response = client.post(url(business, boss, "xoa"), follow=True)

    boss.refresh_from_db()
    assert boss.role == BusinessRole.REPRESENTATIVE
    assert "cần ít nhất một người đại diện theo pháp luật" in response.content.decode()
    assert not AccountEvent.objects.filter(kind="business_member_removed").exists()


def test_staff_may_leave_but_not_remove_or_promote_others(business):
    boss = member(business, BusinessRole.REPRESENTATIVE)
    clerk = member(business, BusinessRole.STAFF)
    other = member(business, BusinessRole.STAFF)
    client = signed_in(clerk.user)

    client.post(url(business, other, "xoa"))
    client.post(url(business, other, "vai-tro"), {"role": "representative"})
    other.refresh_from_db()
    assert other.role == BusinessRole.STAFF
    boss.refresh_from_db()
    assert boss.role == BusinessRole.REPRESENTATIVE

    response = client.post(url(business, clerk, "xoa"))
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert not BusinessMembership.objects.filter(pk=clerk.pk).exists()


def test_outsiders_get_404_and_get_is_refused(business):
    boss = member(business, BusinessRole.REPRESENTATIVE)
    outsider = signed_in(UserFactory())
    assert outsider.post(url(business, boss, "xoa")).status_code == 404
    assert signed_in(boss.user).get(url(business, boss, "xoa")).status_code == 405
    assert Client().post(url(business, boss, "xoa")).status_code == 302  # to sign-in
    assert BusinessMembership.objects.filter(pk=boss.pk).exists()


def test_an_unknown_role_is_refused(business):
    boss = member(business, BusinessRole.REPRESENTATIVE)
    clerk = member(business, BusinessRole.STAFF)
    signed_in(boss.user).post(url(business, clerk, "vai-tro"), {"role": "owner"})
    clerk.refresh_from_db()
    assert clerk.role == BusinessRole.STAFF
