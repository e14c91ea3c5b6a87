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
