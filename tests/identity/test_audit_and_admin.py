"""The account audit log is append-only; the admin masks ID numbers for non-superusers."""

import pytest
from django.db import ProgrammingError, transaction

from identity import permissions, services
from identity.constants import OfficialRole
from identity.models import AccountEvent, OfficialMembership
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory, agency_with_code, make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_update_and_delete_of_the_audit_log():
    user = UserFactory()
    event = services.account_event_record(user=user, kind="signed_in")

    with pytest.raises(ProgrammingError), transaction.atomic():
        AccountEvent.objects.filter(pk=event.pk).update(kind="signed_out")
    with pytest.raises(ProgrammingError), transaction.atomic():
        AccountEvent.objects.filter(pk=event.pk).delete()
    assert AccountEvent.objects.get(pk=event.pk).kind == "signed_in"


def test_audit_log_is_readable_but_not_editable_in_admin(admin_client):
    event = services.account_event_record(user=UserFactory(), kind="signed_in")

    assert admin_client.get("/admin/identity/accountevent/").status_code == 200
    assert admin_client.get(f"/admin/identity/accountevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/identity/accountevent/add/").status_code == 403
    response = admin_client.post(
        f"/admin/identity/accountevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403


@pytest.fixture
def staff_client(client):
    """An agency admin of 000.00.11.H29: the non-superuser who uses the accounts admin."""
    staff = UserFactory()
    services.official_membership_grant(
        user=staff, agency=agency_with_code("000.00.11.H29"), role=OfficialRole.AGENCY_ADMIN
    )
    return force_login_verified(client, staff)


def test_admin_masks_id_numbers_for_non_superusers(staff_client, admin_client):
    # An official of the agency who is also a citizen with an ID number.
    official = make_official(OfficialRole.SPECIALIST, "000.00.11.H29", citizen=True)

    staff_list = staff_client.get("/admin/identity/user/").content.decode()
    staff_form = staff_client.get(f"/admin/identity/user/{official.pk}/change/").content.decode()
    # Searching by ID number is not possible for them either.
    staff_search = staff_client.get("/admin/identity/user/?q=079190000777").content.decode()
    admin_list = admin_client.get("/admin/identity/user/").content.decode()

    assert "*********777" in staff_list
    assert "079190000777" not in staff_list
    assert official.full_name in staff_form
    assert "079190000777" not in staff_form
    assert f"/admin/identity/user/{official.pk}/change/" not in staff_search
    assert "079190000777" in admin_list


def test_role_changes_in_admin_are_audited(admin_client):
    official = UserFactory()
    url = f"/admin/identity/user/{official.pk}/change/"
    html = admin_client.get(url).content.decode()
    assert "official_memberships-TOTAL_FORMS" in html
    agency = AgencyFactory(code="000.00.31.H29", name="Phường Thử nghiệm")
    data = {
        "username": official.username,
        "full_name": official.full_name,
        "email": official.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "official_memberships-TOTAL_FORMS": "1",
        "official_memberships-INITIAL_FORMS": "0",
        "official_memberships-0-agency": str(agency.pk),
        "official_memberships-0-role": OfficialRole.LEADER,
        "business_memberships-TOTAL_FORMS": "0",
        "business_memberships-INITIAL_FORMS": "0",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert permissions.agencies_for(official, OfficialRole.LEADER) == {"000.00.31.H29"}
    event = AccountEvent.objects.get(user=official, kind="role_granted")
    assert event.data == {"agency_code": "000.00.31.H29", "role": "leader"}
    assert event.actor is not None

    membership = OfficialMembership.objects.get(user=official)
    data.update(
        {
            "official_memberships-INITIAL_FORMS": "1",
            "official_memberships-0-id": str(membership.pk),
            "official_memberships-0-user": str(official.pk),
            "official_memberships-0-DELETE": "on",
        }
    )
    assert admin_client.post(url, data).status_code == 302
    assert not permissions.is_official(official)
    assert AccountEvent.objects.filter(user=official, kind="role_revoked").exists()


def test_permission_helpers():
    user = UserFactory()
    a, b = AgencyFactory(code="A"), AgencyFactory(code="B")
    services.official_membership_grant(user=user, agency=a, role=OfficialRole.RECEPTIONIST)
    services.official_membership_grant(user=user, agency=b, role=OfficialRole.LEADER)
    services.official_membership_grant(user=user, agency=b, role=OfficialRole.SPECIALIST)

    assert permissions.agencies_for(user) == {"A", "B"}
    assert permissions.agencies_for(user, OfficialRole.LEADER) == {"B"}
    assert permissions.agencies_for(user, [OfficialRole.RECEPTIONIST, OfficialRole.LEADER]) == {
        "A",
        "B",
    }
    assert permissions.roles_for(user, "B") == {"leader", "specialist"}
    # An agency row names the same agency as its code.
    assert permissions.roles_for(user, b) == {"leader", "specialist"}
    assert permissions.has_role(user, a, OfficialRole.RECEPTIONIST)
    assert permissions.agency_ids_by_role(user) == [
        (a.pk, "receptionist"),
        (b.pk, "leader"),
        (b.pk, "specialist"),
    ]
    assert permissions.has_role(user, "A", OfficialRole.RECEPTIONIST)
    assert not permissions.has_role(user, "A", OfficialRole.LEADER)
    assert not permissions.can_administer_agency(user, "A")
    user.is_active = False
    assert permissions.agencies_for(user) == set()


def test_admin_refuses_a_membership_in_an_agency_that_does_not_exist(admin_client):
    official = UserFactory()
    url = f"/admin/identity/user/{official.pk}/change/"
    data = {
        "username": official.username,
        "full_name": official.full_name,
        "email": official.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "official_memberships-TOTAL_FORMS": "1",
        "official_memberships-INITIAL_FORMS": "0",
        "official_memberships-0-agency": "999999",
        "official_memberships-0-role": OfficialRole.LEADER,
        "business_memberships-TOTAL_FORMS": "0",
        "business_memberships-INITIAL_FORMS": "0",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not OfficialMembership.objects.filter(user=official).exists()
    assert not permissions.is_official(official)
