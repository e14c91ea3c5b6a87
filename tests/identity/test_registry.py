"""Level-2 verification: the local registry table and the HTTP registry against a real
HTTP(S) server on loopback (with a client certificate)."""

import datetime
import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from identity import services
from identity.models import AccountEvent, RegistryResident
from identity.registry import HttpRegistry, LocalRegistry, Mismatch, Unavailable, VerifiedProfile
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1990, 3, 4)
PROFILE = {
    "id_number": "079190000777",
    "full_name": "Nguyễn Thị Hoa",
    "birth_date": "1990-03-04",
    "sex": "female",
    "permanent_address": "1 Lê Lợi, Phường Sài Gòn",
}


@pytest.fixture
def resident():
    return RegistryResident.objects.create(
        id_number="079190000777",
        full_name="Nguyễn Thị Hoa",
        birth_date=BIRTH,
        sex="female",
        permanent_address="1 Lê Lợi, Phường Sài Gòn",
    )


def test_local_registry_match_ignores_case_and_spaces(resident):
    result = LocalRegistry().verify("079190000777", "  nguyễn  thị HOA ", BIRTH)
    assert isinstance(result, VerifiedProfile)
    assert result.permanent_address == "1 Lê Lợi, Phường Sài Gòn"


def test_local_registry_mismatches(resident):
    assert LocalRegistry().verify("079190000778", "Nguyễn Thị Hoa", BIRTH) == Mismatch(
        ("id_number",)
    )
    assert LocalRegistry().verify("079190000777", "Nguyễn Thị Hòa", BIRTH) == Mismatch(
        ("full_name",)
    )
    assert LocalRegistry().verify(
        "079190000777", "Nguyễn Thị Hoa", datetime.date(1990, 3, 5)
    ) == Mismatch(("birth_date",))


def test_verification_locks_registry_fields_and_logs(client, resident):
    user = UserFactory(citizen=True, full_name="nguyễn thị hoa")
    client.force_login(user)

    response = client.post("/tai-khoan/dinh-danh/", follow=True)

    user.refresh_from_db()
    assert user.verification_level == 2
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.permanent_address == "1 Lê Lợi, Phường Sài Gòn"
    html = response.content.decode()
    assert "mức 2" in html
    assert "không thể sửa tại đây" in html
    assert AccountEvent.objects.filter(user=user, kind="registry_verified").exists()


def test_mismatch_keeps_level_1_with_a_message(client, resident):
    user = UserFactory(citizen=True, full_name="Nguyễn Thị Hồng")
    client.force_login(user)

    html = client.post("/tai-khoan/dinh-danh/", follow=True).content.decode()

    user.refresh_from_db()
    assert user.verification_level == 1
    assert "Họ tên hoặc ngày sinh không khớp" in html
    event = AccountEvent.objects.get(user=user, kind="registry_mismatch")
    assert event.data == {"fields": ["full_name"]}


def test_locked_fields_are_read_only_in_admin(admin_client, resident):
    user = UserFactory(citizen=True)
    services.registry_verify(user=user)

    html = admin_client.get(f"/admin/identity/user/{user.pk}/change/").content.decode()

    assert 'name="full_name"' not in html
    assert 'name="birth_date"' not in html


# --- HTTP registry against a real server ------------------------------------------------


class Registry(BaseHTTPRequestHandler):
    script: list = []  # (status, body) answers, in order; the last one repeats
    seen: list = []
    delay = 0.0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        status, answer = self.script[min(len(self.seen) - 1, len(self.script) - 1)]
        if self.delay:
            import time

            time.sleep(self.delay)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def registry_server():
    servers = []

    def start(script, *, delay=0.0, tls=None):
        handler = type("Handler", (Registry,), {"script": script, "seen": [], "delay": delay})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls["server_cert"], tls["server_key"])
            context.load_verify_locations(tls["ca_cert"])
            context.verify_mode = ssl.CERT_REQUIRED
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return f"{scheme}://127.0.0.1:{server.server_address[1]}/verify", handler

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_http_registry_match(registry_server):
    url, handler = registry_server([(200, {"status": "match", "profile": PROFILE})])

    result = HttpRegistry(url).verify("079190000777", "Nguyễn Thị Hoa", BIRTH)

    assert result == VerifiedProfile(**{**PROFILE, "birth_date": BIRTH})
    assert handler.seen == [
        {"id_number": "079190000777", "full_name": "Nguyễn Thị Hoa", "birth_date": "1990-03-04"}
    ]


def test_http_registry_mismatch_and_not_found(registry_server):
    url, _ = registry_server([(200, {"status": "mismatch", "fields": ["birth_date"]})])
    assert HttpRegistry(url).verify("079190000777", "X", BIRTH) == Mismatch(("birth_date",))
    url, _ = registry_server([(404, {})])
    assert HttpRegistry(url).verify("079190000777", "X", BIRTH) == Mismatch(("id_number",))


def test_http_registry_retries_server_errors(registry_server):
    url, handler = registry_server(
        [(503, {}), (500, {}), (200, {"status": "match", "profile": PROFILE})]
    )

    result = HttpRegistry(url, retries=2, backoff=0).verify("079190000777", "Nguyễn Thị Hoa", BIRTH)

    assert isinstance(result, VerifiedProfile)
    assert len(handler.seen) == 3


def test_http_registry_unavailable_after_retries(registry_server):
    url, handler = registry_server([(502, {})])

    result = HttpRegistry(url, retries=1, backoff=0).verify("079190000777", "A", BIRTH)

    assert result == Unavailable("HTTP 502")
    assert len(handler.seen) == 2


def test_http_registry_timeout_is_unavailable(registry_server):
    url, _ = registry_server([(200, {"status": "match", "profile": PROFILE})], delay=1.0)

    result = HttpRegistry(url, timeout=0.2, retries=0).verify("079190000777", "A", BIRTH)

    assert isinstance(result, Unavailable)


def test_unreachable_registry_keeps_level_1_and_can_be_retried(client, settings, registry_server):
    settings.IDENTITY_REGISTRY = "http"
    settings.IDENTITY_REGISTRY_URL = "http://127.0.0.1:9/verify"  # discard port: refused
    settings.IDENTITY_REGISTRY_RETRIES = 0
    user = UserFactory(citizen=True)
    client.force_login(user)

    html = client.post("/tai-khoan/dinh-danh/", follow=True).content.decode()

    assert "Hiện chưa kết nối được Cơ sở dữ liệu dân cư" in html
    user.refresh_from_db()
    assert user.verification_level == 1
    assert AccountEvent.objects.filter(user=user, kind="registry_unavailable").exists()

    url, _ = registry_server([(200, {"status": "match", "profile": PROFILE})])
    settings.IDENTITY_REGISTRY_URL = url
    client.post("/tai-khoan/dinh-danh/")
    user.refresh_from_db()
    assert user.verification_level == 2


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    d = tmp_path_factory.mktemp("pki")

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Test Registry CA",
    )
    for name, ext in (
        ("server", "subjectAltName=IP:127.0.0.1"),
        ("client", "extendedKeyUsage=clientAuth"),
    ):
        run(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
        )
        (d / f"{name}.ext").write_text(ext + "\n")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "1",
            "-extfile",
            f"{name}.ext",
        )
    return {
        k: str(d / v)
        for k, v in {
            "ca_cert": "ca.pem",
            "server_cert": "server.pem",
            "server_key": "server.key",
            "client_cert": "client.pem",
            "client_key": "client.key",
        }.items()
    }


def test_http_registry_with_a_client_certificate(registry_server, pki):
    url, _ = registry_server([(200, {"status": "match", "profile": PROFILE})], tls=pki)

    with_cert = HttpRegistry(
        url,
        client_cert=pki["client_cert"],
        client_key=pki["client_key"],
        ca_bundle=pki["ca_cert"],
        retries=0,
    )
    without_cert = HttpRegistry(url, ca_bundle=pki["ca_cert"], retries=0)

    assert isinstance(with_cert.verify("079190000777", "Nguyễn Thị Hoa", BIRTH), VerifiedProfile)
    assert isinstance(without_cert.verify("079190000777", "Nguyễn Thị Hoa", BIRTH), Unavailable)
