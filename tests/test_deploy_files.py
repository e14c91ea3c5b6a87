"""The deploy files stay valid: compose parses, needs SECRET_KEY, and runs every role."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = shutil.which("docker-compose")

needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose is installed by `make test` on Debian"
)


def compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY"}}
    return subprocess.run(
        [COMPOSE, "-f", str(ROOT / "docker-compose.yml"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@needs_compose
def test_compose_file_is_valid():
    result = compose("config", "-q", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_to_start_without_a_secret_key():
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@needs_compose
def test_compose_runs_every_role_with_health_checks():
    result = compose("config", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for service in ("postgres:", "redis:", "migrate:", "web:", "worker:", "beat:"):
        assert f"  {service}" in text
    assert text.count("healthcheck:") >= 4
    for role in ("worker", "beat"):
        assert f"- celery\n    - -A\n    - config\n    - {role}" in text


def test_dockerfile_runs_as_non_root_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic --noinput" in dockerfile
    user_lines = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1].split()[1] not in {"root", "0"}
    assert "gunicorn" in dockerfile
    assert json.dumps("config.settings.production").strip('"') in dockerfile
