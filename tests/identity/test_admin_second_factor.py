"""Django admin asks for the same second factor as the back office."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.identity.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_password_alone_does_not_open_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin.username, "password": PASSWORD, "next": "/admin/"},
        follow=True,
    )
    # First time: straight to enrolment of an authenticator app, then back to admin.
    assert response.redirect_chain[-1][0].startswith("/mot-cua/xac-thuc/dang-ky/?next=")
    assert client.get("/admin/").status_code == 302


def test_admin_opens_after_the_code_is_confirmed(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})

    # Half signed in: straight to the code step, from the admin as from any page.
    login = client.get("/admin/")
    assert login.status_code == 302
    assert login["Location"].startswith("/mot-cua/xac-thuc/?next=")

    confirmed = client.post(login["Location"], {"token": _code(device), "next": "/admin/"})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_citizen_gets_no_further_than_the_admin_login(client):
    citizen = UserFactory(citizen=True)
    client.force_login(citizen)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert client.get("/mot-cua/xac-thuc/dang-ky/").status_code == 403
