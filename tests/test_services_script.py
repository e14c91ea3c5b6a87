"""scripts/services.py: the zero-setup service finder behind `make run` and `make test`."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "services.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(action: str, **env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, str(SCRIPT), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_configured_database_that_does_not_answer_is_an_error_not_a_fallback():
    port = free_port()
    result = run("up", DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/motcua")
    assert result.returncode == 2
    assert f"Could not reach PostgreSQL at 127.0.0.1:{port}" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "export" not in result.stdout


def test_configured_redis_that_does_not_answer_is_an_error(tmp_path):
    port = free_port()
    result = run("up", REDIS_URL=f"redis://127.0.0.1:{port}/0", MOTCUA_LOCAL_DIR=str(tmp_path))
    assert result.returncode == 2
    assert f"Could not reach Redis at 127.0.0.1:{port}" in result.stderr


def test_local_servers_are_used_when_they_answer():
    result = run("up")
    assert result.returncode == 0, result.stderr
    assert "export DATABASE_URL='postgres://postgres@127.0.0.1:5432/motcua'" in result.stdout
    assert "export REDIS_URL='redis://127.0.0.1:6379/0'" in result.stdout
    assert "MOTCUA_EMBEDDED_SERVICES=0" in result.stdout


def test_embedded_servers_start_when_nothing_listens(tmp_path):
    pg_port, redis_port = free_port(), free_port()
    env = {
        "MOTCUA_LOCAL_DIR": str(tmp_path / "local"),
        "MOTCUA_LOCAL_PG_PORT": str(free_port()),
        "MOTCUA_LOCAL_REDIS_PORT": str(free_port()),
        "MOTCUA_EMBEDDED_PG_PORT": str(pg_port),
        "MOTCUA_EMBEDDED_REDIS_PORT": str(redis_port),
    }
    (tmp_path / "local").mkdir()
    try:
        result = run("up", **env)
        assert result.returncode == 0, result.stderr
        assert "MOTCUA_EMBEDDED_SERVICES=1" in result.stdout
        url = f"postgres://postgres@127.0.0.1:{pg_port}/motcua"
        assert f"export DATABASE_URL='{url}'" in result.stdout
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
            assert conn.execute("SELECT unaccent('hộ tịch')").fetchone()[0] == "ho tich"
        assert redis.Redis(port=redis_port).ping()
        # A second run finds the servers already up and reuses them.
        again = run("up", **env)
        assert again.returncode == 0 and "already running" in again.stderr
    finally:
        down = run("down", **env)
    assert down.returncode == 0
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=redis_port, socket_connect_timeout=1).ping()
