"""SMS backends: the HTTP gateway (against a stand-in gateway on loopback) and the
development console backend, which masks one-time codes."""

import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from identity import services
from identity.constants import CodePurpose
from identity.sms import ConsoleSmsBackend, HttpSmsBackend, SmsError, mask_codes
from tests.identity.factories import UserFactory

MESSAGE = "MotCua: your code is 482913 (valid 10 minutes). Never share it."


class StandInGateway:
    """A brandname-SMS API on 127.0.0.1: answers each POST with the next status of
    `answers` (the last one repeats) and records what it received."""

    def __init__(self, answers=(200,)):
        self.answers = list(answers)
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.received.append(
                    {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
                )
                status = gateway.answers.pop(0) if len(gateway.answers) > 1 else gateway.answers[0]
                body = json.dumps({"id": f"MSG{len(gateway.received)}", "status": "queued"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def backend(url, **kwargs):
    return HttpSmsBackend(url, token="tok-123", sender="MOTCUA", backoff=0.01, **kwargs)


def test_http_backend_posts_json_with_the_token_and_logs_the_status_not_the_text(caplog):
    caplog.set_level(logging.INFO, logger="identity.sms")
    with StandInGateway([200]) as gateway:
        backend(gateway.url, retries=2).send(phone="0987000111", message=MESSAGE)

    (request,) = gateway.received
    assert request["headers"]["Authorization"] == "Bearer tok-123"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert (body["to"], body["text"], body["sender"]) == ("0987000111", MESSAGE, "MOTCUA")
    assert request["headers"]["Idempotency-Key"] == body["reference"]
    assert "accepted: id=MSG1 status=queued" in caplog.text
    assert "482913" not in caplog.text and "0987000111" not in caplog.text


def test_http_backend_retries_server_errors_then_succeeds(caplog):
    caplog.set_level(logging.INFO, logger="identity.sms")
    with StandInGateway([503, 502, 200]) as gateway:
        backend(gateway.url, retries=2).send(phone="0987000111", message=MESSAGE)
    assert len(gateway.received) == 3
    # A retry is the same message: the gateway can drop a copy by its reference.
    assert len({r["body"]["reference"] for r in gateway.received}) == 1
    assert "accepted: id=MSG3" in caplog.text


def test_http_backend_gives_up_after_the_retries(caplog):
    with StandInGateway([503]) as gateway, pytest.raises(SmsError, match="HTTP 503"):
        backend(gateway.url, retries=2).send(phone="0987000111", message=MESSAGE)
    assert len(gateway.received) == 3
    assert "482913" not in caplog.text


def test_http_backend_does_not_retry_a_refusal():
    with StandInGateway([401]) as gateway, pytest.raises(SmsError, match="HTTP 401"):
        backend(gateway.url, retries=2).send(phone="0987000111", message=MESSAGE)
    assert len(gateway.received) == 1


def test_http_backend_reports_an_unreachable_gateway():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsError, match="unreachable"):
        backend(f"http://127.0.0.1:{port}/v1/sms", retries=1).send(
            phone="0987000111", message=MESSAGE
        )


@pytest.fixture
def http_sms(settings):
    settings.SMS_BACKEND = "identity.sms.HttpSmsBackend"
    settings.SMS_HTTP_TOKEN, settings.SMS_HTTP_BACKOFF = "tok-123", 0.01
    return settings


@pytest.mark.django_db
def test_a_reset_code_reaches_the_gateway(client, http_sms, django_capture_on_commit_callbacks):
    UserFactory(citizen=True)  # phone 0987 000 111
    settings = http_sms
    with StandInGateway([200]) as gateway:
        settings.SMS_HTTP_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/quen-mat-khau/", {"identifier": "0987 000 111"})
    assert response.status_code == 302
    (request,) = gateway.received
    assert request["body"]["to"] == "0987000111"
    assert re.search(r"\b\d{6}\b", request["body"]["text"])


@pytest.mark.django_db
def test_a_gateway_outage_is_logged_without_the_code(
    client, http_sms, caplog, django_capture_on_commit_callbacks
):
    UserFactory(citizen=True)
    settings = http_sms
    with StandInGateway([500]) as gateway:
        settings.SMS_HTTP_URL = gateway.url
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/quen-mat-khau/", {"identifier": "0987 000 111"})
    # The citizen sees the usual next step (and may ask for another code), not a 500.
    assert response.status_code == 302 and response["Location"] == "/quen-mat-khau/ma-sms/"
    assert len(gateway.received) == settings.SMS_HTTP_RETRIES + 1
    code = re.search(r"\b\d{6}\b", gateway.received[0]["body"]["text"]).group()
    assert "one-time code SMS not sent: SMS gateway answered HTTP 500" in caplog.text
    assert code not in caplog.text


# --- the console backend masks codes ----------------------------------------------------


def test_mask_codes_hides_codes_and_keeps_other_numbers():
    assert mask_codes(MESSAGE) == (
        "MotCua: your code is •••••• (valid 10 minutes). Never share it."
    )
    assert mask_codes("Mã của bạn: 123456.") == "Mã của bạn: ••••••."
    dossier = "Ho so 000.20.01.H29-240101-0001 da duoc tiep nhan."
    assert mask_codes(dossier) == dossier


def test_console_backend_masks_codes_by_default(settings, caplog):
    caplog.set_level(logging.INFO, logger="identity.sms")
    settings.SMS_CONSOLE_SHOW_CODES = False
    ConsoleSmsBackend().send(phone="0987000111", message=MESSAGE)
    assert "your code is ••••••" in caplog.text
    assert "482913" not in caplog.text


def test_console_backend_shows_codes_when_asked(settings, caplog):
    caplog.set_level(logging.INFO, logger="identity.sms")
    settings.SMS_CONSOLE_SHOW_CODES = True
    ConsoleSmsBackend().send(phone="0987000111", message=MESSAGE)
    assert "your code is 482913" in caplog.text


@pytest.mark.django_db
def test_a_real_reset_code_is_masked_in_the_development_log(
    settings, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="identity.sms")
    settings.SMS_BACKEND = "identity.sms.ConsoleSmsBackend"
    settings.SMS_CONSOLE_SHOW_CODES = False
    user = UserFactory(citizen=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_code_send(user=user, purpose=CodePurpose.RESET_PASSWORD)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "identity.sms"]
    assert "••••••" in line
    text = line.split(": ", 1)[1]  # after "SMS to <phone>"
    assert not re.search(r"\d{6}", text)
