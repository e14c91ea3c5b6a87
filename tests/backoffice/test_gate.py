"""The back-office gate: every kind of person against every back-office URL."""

import pytest
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import urls as backoffice_urls
from identity.constants import OfficialRole
from identity.models import AccountEvent
from tests.identity.factories import PASSWORD, UserFactory, current_code, make_official

pytestmark = pytest.mark.django_db

# What each page answers to each kind of visitor. A new back-office URL without a
# row here fails `test_every_backoffice_url_is_in_the_table`.
PUBLIC = {"backoffice:login"}
SIGN_OUT = {"backoffice:logout"}
OTP_PAGES = {"backoffice:otp-verify", "backoffice:otp-enrol"}
GATED = {
    "backoffice:home",
    "backoffice:consult-queue",
    "backoffice:exports",
    "backoffice:register",
}
# The feedback queue: every official (each sees their agencies' items).
FEEDBACK = {"backoffice:feedback-queue"}
# Statistics: leaders and agency admins (and city overseers); the drill-down without a
# figure named answers 400.
STATISTICS = {"backoffice:statistics", "backoffice:statistics-dossiers"}
# The bottleneck radar: the statistics' audience, the same refusal for the others.
RADAR = {"backoffice:radar"}
# Counter intake: the one-stop desk only (other roles get the 403 that says why).
DESK_ONLY = {"backoffice:counter"}
# Dossier pages: behind the gate, then 404 for a dossier outside the official's agencies
# (a random ref here; tests/backoffice/test_workbench.py covers real dossiers).
DOSSIER_PAGES = {
    "backoffice:dossier",
    "backoffice:dossier-file",
    "backoffice:dossier-act-form",
    "backoffice:consult-ask-form",
    "backoffice:counter-done",
    "backoffice:counter-receipt",
    "backoffice:consult-file",
    "backoffice:message-attachment",
    "backoffice:payment-receipt",
    "backoffice:issued-document",
    "backoffice:issued-document-item",
    "backoffice:control-sheet",
    "backoffice:export-download",
    "backoffice:feedback",
    "backoffice:feedback-file",
}
POST_ONLY = {
    "backoffice:dossier-act",
    "backoffice:consult-ask",
    "backoffice:consult-answer",
    "backoffice:bulk",
    "backoffice:export",
    "backoffice:feedback-assign",
    "backoffice:feedback-answer",
    "backoffice:feedback-close",
    "backoffice:radar-reassign",
    "backoffice:radar-note",
}
# A bulk action's report: kept in the session of who acted; any other (or an old one)
# sends the official back to the queues.
REPORTS = {"backoffice:bulk-report"}
_REF = "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa"
URL_KWARGS = {
    "backoffice:bulk-report": {"token": "not-kept"},
    "backoffice:dossier": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa"},
    "backoffice:dossier-file": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa", "pk": 1},
    "backoffice:issued-document": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa", "pk": 1},
    "backoffice:issued-document-item": {"ref": _REF, "pk": 1},
    "backoffice:control-sheet": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa"},
    "backoffice:dossier-act": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa", "action": "receive"},
    "backoffice:dossier-act-form": {
        "ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa",
        "action": "receive",
    },
    "backoffice:counter-done": {"ref": _REF},
    "backoffice:counter-receipt": {"ref": _REF},
    "backoffice:consult-file": {"ref": _REF, "pk": 1},
    "backoffice:consult-ask": {"ref": _REF},
    "backoffice:consult-ask-form": {"ref": _REF},
    "backoffice:consult-answer": {"ref": _REF, "pk": 1},
    "backoffice:message-attachment": {"ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa", "pk": 1},
    "backoffice:payment-receipt": {
        "ref": "6f1c5a57-5a43-4f6e-9a53-3f0d4bd3c1aa",
        "reference": "MC2611270000000000",
    },
    "backoffice:export-download": {"pk": 1},
    "backoffice:feedback": {"ref": _REF},
    "backoffice:feedback-file": {"ref": _REF, "pk": 1},
    "backoffice:feedback-assign": {"ref": _REF},
    "backoffice:feedback-answer": {"ref": _REF},
    "backoffice:feedback-close": {"ref": _REF},
    "backoffice:radar-reassign": {"ref": _REF},
    "backoffice:radar-note": {"ref": _REF},
}

PERSONAS = [
    "anonymous",
    "citizen",
    "superuser_without_membership",
    "official_without_device",
    "official_without_otp",
    *[f"{role}_verified" for role in OfficialRole.values],
]


def _url_names():
    return sorted(
        f"backoffice:{p.name}" for p in backoffice_urls.urlpatterns if isinstance(p, URLPattern)
    )


def test_every_backoffice_url_is_in_the_table():
    assert set(_url_names()) == (
        PUBLIC
        | SIGN_OUT
        | OTP_PAGES
        | GATED
        | FEEDBACK
        | STATISTICS
        | RADAR
        | DESK_ONLY
        | DOSSIER_PAGES
        | POST_ONLY
        | REPORTS
    )


def _sign_in(client, persona):
    if persona == "anonymous":
        return None
    if persona == "citizen":
        user = UserFactory(citizen=True)
    elif persona == "superuser_without_membership":
        user = UserFactory(is_superuser=True, is_staff=True)
    elif persona == "official_without_device":
        user = make_official(OfficialRole.RECEPTIONIST, device=False)
    else:
        role = persona.removesuffix("_verified")
        user = make_official(role if role in OfficialRole.values else OfficialRole.SPECIALIST)
    client.post("/mot-cua/dang-nhap/", {"username": user.username, "password": PASSWORD})
    if persona.endswith("_verified"):
        response = client.post("/mot-cua/xac-thuc/", {"token": current_code(user)})
        assert response.status_code == 302, response.content.decode()[:2000]
    return user


HALF_SIGNED_IN = {
    "superuser_without_membership": "/mot-cua/xac-thuc/dang-ky/",
    "official_without_device": "/mot-cua/xac-thuc/dang-ky/",
    "official_without_otp": "/mot-cua/xac-thuc/",
}


def expected(url_name: str, persona: str) -> tuple[int, str]:
    """(status, where a redirect goes, or a phrase of the page)"""
    if url_name in PUBLIC:
        return 200, "Đăng nhập cán bộ"
    # Half signed in (password, no code yet): only the code pages and sign-out are open.
    if persona in HALF_SIGNED_IN and url_name not in set(OTP_PAGES) | set(SIGN_OUT):
        return 302, HALF_SIGNED_IN[persona]
    if url_name in SIGN_OUT | POST_ONLY:
        return 405, ""  # GET is refused; sign-out and actions are POSTs
    not_official = persona in ("citizen", "superuser_without_membership")
    if persona == "anonymous":
        return 302, "/mot-cua/dang-nhap/"
    # Staff without a membership may set up and confirm a code: Django admin needs it.
    if not_official and not (persona == "superuser_without_membership" and url_name in OTP_PAGES):
        return 403, "Khu vực dành cho cán bộ"
    if url_name in OTP_PAGES:
        if persona in ("official_without_device", "superuser_without_membership"):
            return (
                (200, "Cài đặt ứng dụng xác thực")
                if url_name.endswith("enrol")
                else (302, "/mot-cua/xac-thuc/dang-ky/")
            )
        if url_name.endswith("enrol"):
            return 302, "/mot-cua/xac-thuc/"
        return 200, "Xác nhận danh tính"
    if persona == "official_without_device":
        return 302, "/mot-cua/xac-thuc/dang-ky/"
    if persona == "official_without_otp":
        return 302, "/mot-cua/xac-thuc/"
    if url_name in DESK_ONLY and persona != "receptionist_verified":
        return 403, ""
    if url_name in {"backoffice:counter-done"} and persona != "receptionist_verified":
        return 403, ""
    if url_name in DOSSIER_PAGES:
        return 404, ""
    if url_name in FEEDBACK:
        return 200, "Phản ánh, kiến nghị"
    if url_name in STATISTICS:
        if persona not in ("leader_verified", "agency_admin_verified"):
            return 403, ""
        return (200, "Thống kê") if url_name == "backoffice:statistics" else (400, "")
    if url_name in RADAR:
        if persona not in ("leader_verified", "agency_admin_verified"):
            return 403, ""
        return 200, "Radar điểm nghẽn"
    if url_name in REPORTS:
        return 302, "/mot-cua/"
    return 200, "Bộ phận một cửa"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", _url_names())
def test_each_persona_on_each_backoffice_url(client, persona, url_name):
    _sign_in(client, persona)
    status, where = expected(url_name, persona)

    response = client.get(reverse(url_name, kwargs=URL_KWARGS.get(url_name)))

    assert response.status_code == status, (persona, url_name, response.get("Location"))
    if status == 302:
        assert response["Location"].startswith(where)
    elif where:
        assert where in response.content.decode()


def test_the_403_page_says_why(client):
    user = UserFactory(citizen=True)
    client.force_login(user)

    html = client.get("/mot-cua/").content.decode()

    assert "Cần có vai trò (tiếp nhận, chuyên viên, lãnh đạo hoặc quản trị cơ quan)" in html


def test_first_sign_in_enrols_an_authenticator(client):
    official = make_official(OfficialRole.LEADER, device=False)
    response = client.post(
        "/mot-cua/dang-nhap/",
        {"username": official.username, "password": PASSWORD, "next": "/mot-cua/"},
    )
    assert response["Location"] == "/mot-cua/"
    response = client.get("/mot-cua/", follow=True)
    html = response.content.decode()
    assert "<svg" in html  # the QR code is inline, no external service
    assert "otpauth" not in html  # nor is the secret URL leaked in clear outside the QR
    device = TOTPDevice.objects.get(user=official)
    assert not device.confirmed

    response = client.post("/mot-cua/xac-thuc/dang-ky/", {"token": "000000", "next": "/mot-cua/"})
    assert "Mã không đúng" in response.content.decode()
    response = client.post(
        "/mot-cua/xac-thuc/dang-ky/", {"token": current_code(official), "next": "/mot-cua/"}
    )

    assert response["Location"] == "/mot-cua/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/mot-cua/").status_code == 200
    kinds = set(AccountEvent.objects.filter(user=official).values_list("kind", flat=True))
    assert {"otp_enrolled", "otp_verified", "otp_failed", "signed_in"} <= kinds


def test_otp_is_locked_after_repeated_wrong_codes(client, settings):
    settings.OTP_FAILURE_LIMIT = 3
    official = make_official(OfficialRole.SPECIALIST)
    client.post("/mot-cua/dang-nhap/", {"username": official.username, "password": PASSWORD})
    for _ in range(2):
        assert client.post("/mot-cua/xac-thuc/", {"token": "000000"}).status_code == 200

    response = client.post("/mot-cua/xac-thuc/", {"token": "000000"})
    assert response.status_code == 429
    assert "Nhập sai mã quá nhiều lần" in response.content.decode()
    # Even the right code waits for the pause to end.
    response = client.post("/mot-cua/xac-thuc/", {"token": current_code(official)})
    assert response.status_code == 429
    assert client.get("/mot-cua/").status_code == 302
    assert AccountEvent.objects.filter(user=official, kind="otp_locked_out").exists()


def test_admin_reset_makes_the_official_enrol_again(admin_client, client):
    official = make_official(OfficialRole.RECEPTIONIST)

    response = admin_client.post(
        "/admin/identity/user/",
        {"action": "reset_second_factor", "_selected_action": [official.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=official).exists()
    assert AccountEvent.objects.filter(user=official, kind="otp_reset").get().actor is not None
    client.post("/mot-cua/dang-nhap/", {"username": official.username, "password": PASSWORD})
    assert client.get("/mot-cua/")["Location"].startswith("/mot-cua/xac-thuc/dang-ky/")


def test_official_sessions_expire_sooner(client, settings):
    settings.SESSION_IDLE_SECONDS = 1800
    settings.OFFICIAL_SESSION_IDLE_SECONDS = 600
    official = make_official(OfficialRole.LEADER)
    client.post("/mot-cua/dang-nhap/", {"username": official.username, "password": PASSWORD})
    client.post("/mot-cua/xac-thuc/", {"token": current_code(official)})
    assert client.session.get_expiry_age() == 1800

    client.get("/mot-cua/")

    assert client.session.get_expiry_age() == 600


def test_home_lists_the_officials_roles(client):
    official = make_official(OfficialRole.LEADER, agency_code="000.00.31.H29")
    client.post("/mot-cua/dang-nhap/", {"username": official.username, "password": PASSWORD})
    client.post("/mot-cua/xac-thuc/", {"token": current_code(official)})

    html = client.get("/mot-cua/").content.decode()

    assert "000.00.31.H29" in html
    assert "Lãnh đạo" in html
