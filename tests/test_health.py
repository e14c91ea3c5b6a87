"""/healthz and /readyz: what a load balancer and an operator see."""

import socket
import time

import pytest

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_touching_services(client, settings, django_assert_num_queries):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_ok_when_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


def test_readyz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection" in body["checks"]["redis"]["error"]


def test_readyz_names_database_when_it_is_down(client, monkeypatch):
    from django.db import connections

    monkeypatch.setitem(connections["default"].settings_dict, "PORT", _closed_port())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


def test_readyz_does_not_hang_on_an_unresponsive_server(client, settings):
    """A server that accepts the connection but never answers must not hang the probe."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.READINESS_TIMEOUT = 0.5
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert elapsed < 5


def test_readyz_rejects_writes(client):
    assert client.post("/readyz").status_code == 405


@pytest.fixture
def worker_probe(monkeypatch):
    """Stands in for the Celery round trip; records whether it was attempted."""
    calls = []
    monkeypatch.setattr("config.health._check_worker", lambda timeout: calls.append(timeout))
    return calls


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        # Through a proxy on the same host: the proxy connects from the loopback.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer wrong-token"},
    ],
)
def test_deep_readyz_is_refused_from_outside(client, settings, worker_probe, extra):
    settings.READYZ_TOKEN = "s3cret-readiness-token"
    response = client.get("/readyz?deep=1", **extra)
    assert response.status_code == 403
    assert "READYZ_TOKEN" in response.json()["detail"]
    assert worker_probe == []


def test_deep_readyz_without_a_configured_token_refuses_any_token(client, settings, worker_probe):
    settings.READYZ_TOKEN = ""
    response = client.get("/readyz?deep=1&token=", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert worker_probe == []


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/readyz?deep=1", {"HTTP_AUTHORIZATION": "Bearer s3cret-readiness-token"}),
        ("/readyz?deep=1&token=s3cret-readiness-token", {}),
    ],
)
def test_deep_readyz_runs_with_the_token(client, settings, worker_probe, url, extra):
    settings.READYZ_TOKEN = "s3cret-readiness-token"
    response = client.get(url, REMOTE_ADDR="203.0.113.9", **extra)
    assert response.status_code == 200
    assert response.json()["checks"]["celery"]["ok"] is True
    assert len(worker_probe) == 1


def test_deep_readyz_runs_from_the_loopback(client, worker_probe):
    response = client.get("/readyz?deep=1", REMOTE_ADDR="::1")
    assert response.status_code == 200
    assert "celery" in response.json()["checks"]
    assert len(worker_probe) == 1


def test_shallow_readyz_stays_open_to_everyone(client, worker_probe):
    response = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert "celery" not in response.json()["checks"]
    assert worker_probe == []
