"""Agency admins manage their own agency's officials in Django admin, and nothing more.

The world: a department with a sub-unit below it, and another department. The agency
admin of the first department manages officials of it and of the sub-unit; never the
other department's, never citizens, never superusers, never themselves.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import permissions, services
from identity.constants import AGENCY_ADMIN_GROUP, AGENCY_ADMIN_PERMISSIONS, OfficialRole
from identity.models import AccountEvent, OfficialMembership, User
from tests.helpers import force_login_verified
from tests.identity.factories import PASSWORD, UserFactory, make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/identity/user/"


class World:
    def __init__(self):
        self.department = AgencyFactory(code="000.00.11.H29", name="Sở Tư pháp", kind="department")
        self.unit = AgencyFactory(
            code="000.11.01.H29", name="Phòng Hộ tịch", kind="other", parent=self.department
        )
        self.other = AgencyFactory(code="000.00.12.H29", name="Sở Xây dựng", kind="department")
        self.admin = UserFactory(username="quantri")
        services.official_membership_grant(
            user=self.admin, agency=self.department, role=OfficialRole.AGENCY_ADMIN
        )
        self.specialist = make_official(OfficialRole.SPECIALIST, self.department.code)
        self.unit_receptionist = make_official(OfficialRole.RECEPTIONIST, self.unit.code)
        self.foreign = make_official(OfficialRole.SPECIALIST, self.other.code)
        self.citizen = UserFactory(citizen=True)


@pytest.fixture
def world():
    return World()


@pytest.fixture
def agency_admin_client(client, world):
    return force_login_verified(client, world.admin)


def _change_data(user, **extra):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "official_memberships-TOTAL_FORMS": "0",
        "official_memberships-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def _existing_memberships(user):
    memberships = list(OfficialMembership.objects.filter(user=user))
    data = {
        "official_memberships-TOTAL_FORMS": str(len(memberships)),
        "official_memberships-INITIAL_FORMS": str(len(memberships)),
    }
    for i, m in enumerate(memberships):
        data.update(
            {
                f"official_memberships-{i}-id": str(m.pk),
                f"official_memberships-{i}-user": str(user.pk),
                f"official_memberships-{i}-agency": str(m.agency_id),
                f"official_memberships-{i}-role": m.role,
            }
        )
    return data


# --- access and the group -------------------------------------------------------------


def test_granting_the_role_gives_staff_and_exactly_the_groups_permissions(world):
    group = Group.objects.get(name=AGENCY_ADMIN_GROUP)
    granted = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}

    assert granted == set(AGENCY_ADMIN_PERMISSIONS)
    world.admin.refresh_from_db()
    assert world.admin.is_staff and not world.admin.is_superuser
    assert list(world.admin.groups.all()) == [group]
    # Other officials get no admin access at all.
    assert not world.specialist.is_staff
    assert not world.specialist.groups.exists()


def test_revoking_the_last_admin_role_removes_staff_and_group(world):
    membership = OfficialMembership.objects.get(user=world.admin)

    services.official_membership_revoke(membership=membership)

    world.admin.refresh_from_db()
    assert not world.admin.is_staff
    assert not world.admin.groups.exists()


def test_administered_agencies_include_sub_units_at_any_depth(world):
    deeper = AgencyFactory(code="000.11.02.H29", parent=world.unit)

    assert permissions.administered_agency_ids(world.admin) == {
        world.department.pk,
        world.unit.pk,
        deeper.pk,
    }
    assert permissions.administered_agency_ids(world.specialist) == set()


def test_list_shows_officials_of_the_agency_and_its_units_only(agency_admin_client, world):
    html = agency_admin_client.get(USERS).content.decode()

    for visible in (world.specialist, world.unit_receptionist):
        assert f"{USERS}{visible.pk}/change/" in html
    for hidden in (world.foreign, world.citizen):
        assert f"{USERS}{hidden.pk}/change/" not in html


def test_list_runs_a_bounded_number_of_queries(
    agency_admin_client, world, django_assert_max_num_queries
):
    for _ in range(5):
        make_official(OfficialRole.SPECIALIST, world.unit.code)
    with django_assert_max_num_queries(20):
        response = agency_admin_client.get(USERS)
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["foreign", "citizen"])
def test_officials_elsewhere_and_citizens_cannot_be_opened_or_changed(
    agency_admin_client, world, who
):
    person = getattr(world, who)
    url = f"{USERS}{person.pk}/change/"

    page = agency_admin_client.get(url)
    posted = agency_admin_client.post(url, _change_data(person, full_name="Bị sửa"))

    # The admin answers "no such object" (a redirect to the index), revealing nothing.
    assert page.status_code == 302
    assert posted.status_code == 302
    person.refresh_from_db()
    assert person.full_name != "Bị sửa"


def test_other_admin_pages_stay_closed(agency_admin_client, world):
    for url in (
        "/admin/identity/accountevent/",
        "/admin/identity/business/",
        "/admin/identity/registryresident/",
        "/admin/auth/group/",
    ):
        assert agency_admin_client.get(url).status_code == 403, url


def test_citizens_data_is_not_on_the_officials_form(agency_admin_client, world):
    world.specialist.id_number = "079190000999"
    world.specialist.save()

    html = agency_admin_client.get(f"{USERS}{world.specialist.pk}/change/").content.decode()

    assert world.specialist.full_name in html
    for field in ("id_number", "birth_date", "permanent_address", "is_superuser", "groups"):
        assert f'name="{field}"' not in html
    assert "079190000999" not in html


# --- adding an official -----------------------------------------------------------------


def _add_data(**extra):
    data = {
        "username": "canbo.moi",
        "full_name": "Đặng Văn Mới",
        "email": "canbo.moi@example.vn",
        "phone": "0987000999",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "role": OfficialRole.SPECIALIST,
    }
    data.update(extra)
    return data


def test_agency_admin_adds_an_official_with_a_role_in_a_sub_unit(agency_admin_client, world):
    response = agency_admin_client.post(f"{USERS}add/", _add_data(agency=str(world.unit.pk)))

    assert response.status_code == 302, response.context["adminform"].form.errors
    official = User.objects.get(username="canbo.moi")
    assert permissions.agencies_for(official, OfficialRole.SPECIALIST) == {world.unit.code}
    assert official.check_password(PASSWORD)
    assert not official.is_staff and not official.is_superuser
    event = AccountEvent.objects.get(user=official, kind="role_granted")
    assert event.actor == world.admin


def test_add_form_offers_only_the_admins_agencies(agency_admin_client, world):
    html = agency_admin_client.get(f"{USERS}add/").content.decode()

    assert f'value="{world.department.pk}"' in html
    assert f'value="{world.unit.pk}"' in html
    assert f'value="{world.other.pk}"' not in html


def test_adding_an_official_to_another_agency_is_refused_and_saves_nothing(
    agency_admin_client, world
):
    response = agency_admin_client.post(f"{USERS}add/", _add_data(agency=str(world.other.pk)))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not User.objects.filter(username="canbo.moi").exists()


def test_flags_posted_with_a_new_official_are_ignored(agency_admin_client, world):
    data = _add_data(
        agency=str(world.department.pk),
        is_superuser="on",
        is_staff="on",
        groups=str(Group.objects.get(name=AGENCY_ADMIN_GROUP).pk),
    )

    assert agency_admin_client.post(f"{USERS}add/", data).status_code == 302

    official = User.objects.get(username="canbo.moi")
    assert not official.is_superuser and not official.is_staff
    assert not official.groups.exists()


def test_a_new_peer_admin_gets_only_what_the_role_needs(agency_admin_client, world):
    data = _add_data(agency=str(world.department.pk), role=OfficialRole.AGENCY_ADMIN)

    assert agency_admin_client.post(f"{USERS}add/", data).status_code == 302

    peer = User.objects.get(username="canbo.moi")
    assert peer.is_staff and not peer.is_superuser
    assert [g.name for g in peer.groups.all()] == [AGENCY_ADMIN_GROUP]
    assert permissions.administered_agency_ids(peer) <= permissions.administered_agency_ids(
        world.admin
    )


# --- changing an official ---------------------------------------------------------------


def test_agency_admin_changes_an_officials_contact_and_roles(agency_admin_client, world):
    official = world.specialist
    url = f"{USERS}{official.pk}/change/"
    data = _change_data(official, email="moi@example.vn", **_existing_memberships(official))
    data.update(
        {
            "official_memberships-TOTAL_FORMS": "2",
            "official_memberships-1-agency": str(world.unit.pk),
            "official_memberships-1-role": OfficialRole.LEADER,
        }
    )

    response = agency_admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    official.refresh_from_db()
    assert official.email == "moi@example.vn"
    assert permissions.roles_for(official, world.unit) == {OfficialRole.LEADER}
    assert AccountEvent.objects.filter(user=official, kind="role_granted", actor=world.admin)


def test_granting_a_role_in_another_agency_is_refused(agency_admin_client, world):
    official = world.specialist
    data = _change_data(official, **_existing_memberships(official))
    data.update(
        {
            "official_memberships-TOTAL_FORMS": "2",
            "official_memberships-1-agency": str(world.other.pk),
            "official_memberships-1-role": OfficialRole.LEADER,
        }
    )

    response = agency_admin_client.post(f"{USERS}{official.pk}/change/", data)

    assert response.status_code == 200
    assert not permissions.roles_for(official, world.other)


def test_posted_flags_on_an_existing_official_are_ignored(agency_admin_client, world):
    official = world.specialist
    data = _change_data(
        official,
        is_superuser="on",
        is_staff="on",
        is_active="",
        **_existing_memberships(official),
    )

    assert agency_admin_client.post(f"{USERS}{official.pk}/change/", data).status_code == 302

    official.refresh_from_db()
    assert not official.is_superuser and not official.is_staff and official.is_active


def test_an_official_also_serving_elsewhere_is_read_only(agency_admin_client, world):
    shared = world.specialist
    services.official_membership_grant(user=shared, agency=world.other, role=OfficialRole.LEADER)
    url = f"{USERS}{shared.pk}/change/"

    html = agency_admin_client.get(url).content.decode()
    response = agency_admin_client.post(url, _change_data(shared, full_name="Bị sửa"))

    assert 'name="full_name"' not in html
    # Their role at the other agency is not even shown.
    assert world.other.name not in html
    assert response.status_code == 403
    shared.refresh_from_db()
    assert shared.full_name != "Bị sửa"


# --- escalation -------------------------------------------------------------------------


def test_agency_admin_cannot_change_their_own_account(agency_admin_client, world):
    url = f"{USERS}{world.admin.pk}/change/"
    data = _change_data(world.admin, **_existing_memberships(world.admin))
    data.update(
        {
            "official_memberships-TOTAL_FORMS": "2",
            "official_memberships-1-agency": str(world.unit.pk),
            "official_memberships-1-role": OfficialRole.LEADER,
        }
    )

    response = agency_admin_client.post(url, data)

    assert response.status_code == 403
    assert permissions.roles_for(world.admin, world.unit) == set()


def test_agency_admin_cannot_touch_a_superuser_in_their_agency(agency_admin_client, world):
    boss = UserFactory(is_superuser=True, is_staff=True)
    OfficialMembership.objects.create(user=boss, agency=world.department, role=OfficialRole.LEADER)

    response = agency_admin_client.post(
        f"{USERS}{boss.pk}/change/", _change_data(boss, full_name="Bị sửa")
    )
    agency_admin_client.post(
        USERS, {"action": "deactivate_officials", "_selected_action": [str(boss.pk)]}
    )

    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.full_name != "Bị sửa" and boss.is_active


def test_password_change_page_is_scoped_too(agency_admin_client, world):
    own = agency_admin_client.get(f"{USERS}{world.specialist.pk}/password/")
    foreign = agency_admin_client.get(f"{USERS}{world.foreign.pk}/password/")

    assert own.status_code == 200
    assert foreign.status_code in (403, 404)


def test_services_refuse_what_the_forms_do_not_offer(world):
    with pytest.raises(PermissionDenied):
        services.official_membership_grant(
            user=world.specialist, agency=world.other, role=OfficialRole.LEADER, actor=world.admin
        )
    with pytest.raises(PermissionDenied):
        services.official_membership_grant(
            user=world.admin, agency=world.unit, role=OfficialRole.LEADER, actor=world.admin
        )
    with pytest.raises(PermissionDenied):
        services.official_set_active(user=world.foreign, active=False, actor=world.admin)
    with pytest.raises(PermissionDenied):
        services.otp_reset(user=world.citizen, actor=world.admin)
    with pytest.raises(PermissionDenied):
        services.official_membership_revoke(
            membership=OfficialMembership.objects.get(user=world.foreign), actor=world.admin
        )
    assert permissions.is_official(world.foreign) and world.foreign.is_active


def test_agency_admin_cannot_delete_accounts(agency_admin_client, world):
    response = agency_admin_client.post(f"{USERS}{world.specialist.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=world.specialist.pk).exists()


# --- deactivation and second factor ----------------------------------------------------


def test_deactivate_and_reactivate_are_audited_and_scoped(agency_admin_client, world):
    selected = [str(world.unit_receptionist.pk), str(world.foreign.pk), str(world.admin.pk)]

    response = agency_admin_client.post(
        USERS, {"action": "deactivate_officials", "_selected_action": selected}, follow=True
    )

    # The foreign official is not in the list at all; the admin themself is skipped.
    world.unit_receptionist.refresh_from_db()
    world.foreign.refresh_from_db()
    world.admin.refresh_from_db()
    assert not world.unit_receptionist.is_active
    assert world.foreign.is_active and world.admin.is_active
    assert AccountEvent.objects.filter(
        user=world.unit_receptionist, kind="deactivated", actor=world.admin
    ).exists()
    assert response.status_code == 200

    agency_admin_client.post(
        USERS,
        {"action": "reactivate_officials", "_selected_action": [str(world.unit_receptionist.pk)]},
    )
    world.unit_receptionist.refresh_from_db()
    assert world.unit_receptionist.is_active
    assert AccountEvent.objects.filter(user=world.unit_receptionist, kind="reactivated").exists()


def test_a_deactivated_official_is_signed_out(client, world):
    force_login_verified(client, world.specialist)
    services.official_set_active(user=world.specialist, active=False, actor=world.admin)

    response = client.get("/mot-cua/")

    # Treated as signed out: sent to the sign-in page.
    assert response.status_code == 302


def test_agency_admin_resets_an_officials_second_factor(agency_admin_client, world):
    assert TOTPDevice.objects.filter(user=world.specialist).exists()

    agency_admin_client.post(
        USERS,
        {
            "action": "reset_second_factor",
            "_selected_action": [str(world.specialist.pk), str(world.admin.pk)],
        },
    )

    assert not TOTPDevice.objects.filter(user=world.specialist).exists()
    # Their own device is untouched (they would lock themselves out of the admin).
    assert TOTPDevice.objects.filter(user=world.admin).exists()
    assert AccountEvent.objects.filter(
        user=world.specialist, kind="otp_reset", actor=world.admin
    ).exists()


def test_other_officials_and_citizens_have_no_admin_access(client, world):
    for person in (world.specialist, world.citizen):
        force_login_verified(client, person)
        response = client.get(USERS)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
