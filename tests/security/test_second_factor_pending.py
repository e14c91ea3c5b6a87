"""An official who gave the password but no TOTP code yet (half signed in) reaches no
page but the code step, the enrolment and signing out: not the back office, not the
admin, not the citizen pages of the same account."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.constants import OfficialRole
from tests.identity.factories import PASSWORD, UserFactory, current_code, make_official

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/thu-tuc/",
    "/ho-so/",
    "/tai-khoan/",
    "/kho-giay-to/",
    "/mot-cua/",
    "/mot-cua/lien-thong/",
    "/admin/",
    "/thong-bao/",
    "/api/v1/procedures/",
]


def _half_signed_in(user) -> Client:
    client = Client()
    response = client.post(
        reverse("backoffice:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_a_half_signed_in_official_to_the_code_step(url):
    official = make_official(OfficialRole.RECEPTIONIST)
    client = _half_signed_in(official)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:otp-verify") + "?next=")


def test_a_form_post_is_refused_too():
    official = make_official(OfficialRole.RECEPTIONIST)
    client = _half_signed_in(official)
    response = client.post(reverse("portal:contact-change"), {"email": "x@example.vn"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:otp-verify"))


def test_an_official_without_a_device_is_sent_to_enrolment():
    official = make_official(OfficialRole.SPECIALIST, device=False)
    client = _half_signed_in(official)
    response = client.get("/ho-so/")
    assert response["Location"].startswith(reverse("backoffice:otp-enrol") + "?next=")
    assert client.get(reverse("backoffice:otp-enrol")).status_code == 200


def test_the_code_step_and_signing_out_stay_open():
    official = make_official(OfficialRole.RECEPTIONIST)
    client = _half_signed_in(official)
    assert client.get(reverse("backoffice:otp-verify")).status_code == 200
    assert client.post(reverse("backoffice:logout")).status_code == 302
    assert client.get("/").status_code == 200  # signed out: an ordinary visitor


def test_after_the_code_every_page_opens():
    official = make_official(OfficialRole.RECEPTIONIST)
    client = _half_signed_in(official)
    response = client.post(
        reverse("backoffice:otp-verify") + "?next=/ho-so/", {"token": current_code(official)}
    )
    assert response["Location"] == "/ho-so/"
    assert client.get("/ho-so/").status_code == 200
    assert client.get("/mot-cua/").status_code == 200


def test_a_staff_member_without_agency_is_held_too():
    staff = UserFactory(is_staff=True)
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/tai-khoan/")
    assert response["Location"].startswith(reverse("backoffice:otp-verify"))


def test_citizens_are_never_asked_for_a_code(client):
    citizen = UserFactory(citizen=True)
    client.force_login(citizen)
    for url in ("/", "/ho-so/", "/tai-khoan/"):
        assert client.get(url).status_code == 200, url


def test_an_htmx_fragment_is_refused_without_a_redirect():
    """The code page's own header polls the notification bell: a redirect there would
    reload the code page again and again."""
    official = make_official(OfficialRole.RECEPTIONIST)
    client = _half_signed_in(official)
    response = client.get("/thong-bao/chuong/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert "HX-Redirect" not in response and "Location" not in response
