"""Single sign-on against a real OpenID provider (npm `oidc-provider`) on loopback.

The whole authorisation-code flow runs over HTTP: our /oidc/authenticate/ redirects
to the provider, its login and consent forms are submitted, the provider redirects
back to /oidc/callback/, which exchanges the code, checks the signed ID token
against the provider's JWKS and reads the user-info endpoint.
"""

import json
import os
import re
import shutil
import socket
import subprocess
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from identity.models import AccountEvent
from tests.identity.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PROVIDER = Path(__file__).resolve().parent / "oidc_provider" / "provider.mjs"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for oidc-provider"),
]

ACCOUNTS = {
    "nguoi-moi": {
        "id_number": "001085000999",
        "name": "Đinh Văn Mới",
        "birthdate": "1985-02-03",
        "gender": "male",
        "email": "moi@example.vn",
    },
    "da-co": {
        "id_number": "079190000777",
        "name": "Nguyễn Thị Hoa",
        "birthdate": "1990-03-04",
        "gender": "female",
    },
    "khong-so": {"name": "Không Có Số"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def provider(live_server, settings):
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
        "NODE_PATH": str(ROOT / "node_modules"),
    }
    process = subprocess.Popen(
        ["node", str(PROVIDER), str(port), live_server.url + "/oidc/callback/"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = process.stdout.readline()
        while line and "READY" not in line:
            line = process.stdout.readline()
        assert "READY" in line, "the OpenID provider did not start"
        issuer = f"http://127.0.0.1:{port}"
        config = requests.get(issuer + "/.well-known/openid-configuration", timeout=5).json()
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = "motcua"
        settings.OIDC_RP_CLIENT_SECRET = "motcua-test-secret"
        settings.OIDC_RP_SCOPES = "openid profile"
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = config["authorization_endpoint"]
        settings.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
        settings.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
        settings.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


def _submit(session, response, fields):
    """Submit the first form of an HTML page (the provider's login or consent form)."""
    html = response.text
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    data = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    )
    data.update(fields)
    return session.post(urljoin(response.url, action), data=data, timeout=10)


def sign_in_with_provider(live_server, login) -> requests.Session:
    session = requests.Session()
    page = session.get(live_server.url + "/oidc/authenticate/", timeout=10)
    assert "login" in page.text, page.text[:500]
    page = _submit(session, page, {"login": login, "password": "any"})
    if "<form" in page.text and "consent" in page.text.lower():
        page = _submit(session, page, {})
    session.last_page = page
    return session


def test_first_sign_in_creates_an_account_from_the_claims(live_server, provider):
    session = sign_in_with_provider(live_server, "nguoi-moi")

    assert session.last_page.url == live_server.url + "/", session.last_page.url
    profile = session.get(live_server.url + "/tai-khoan/", timeout=10)
    assert profile.status_code == 200
    assert "Đinh Văn Mới" in profile.text
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(id_number="001085000999")
    assert user.oidc_subject == "nguoi-moi"
    assert str(user.birth_date) == "1985-02-03"
    assert not user.has_usable_password()
    assert AccountEvent.objects.filter(
        user=user, kind="signed_in", data={"method": "oidc"}
    ).exists()


def test_sign_in_links_the_existing_account_with_the_same_id_number(live_server, provider):
    existing = UserFactory(citizen=True)

    session = sign_in_with_provider(live_server, "da-co")

    profile = session.get(live_server.url + "/tai-khoan/", timeout=10)
    assert "Nguyễn Thị Hoa" in profile.text
    existing.refresh_from_db()
    assert existing.oidc_subject == "da-co"
    assert AccountEvent.objects.filter(user=existing, kind="oidc_linked").exists()
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.count() == 1


def test_claims_without_an_id_number_are_refused(live_server, provider):
    session = sign_in_with_provider(live_server, "khong-so")

    assert session.last_page.url.endswith("/dang-nhap/?sso=failed")
    assert "không thành công" in session.last_page.text
    assert session.get(live_server.url + "/tai-khoan/", timeout=10).url.startswith(
        live_server.url + "/dang-nhap/"
    )
