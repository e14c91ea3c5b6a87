"""The deploy files stay valid: compose parses, needs SECRET_KEY and the production
backends, passes `check --deploy`, and runs every role."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = shutil.which("docker-compose")

needs_compose = pytest.mark.skipif(
    COMPOSE is None, reason="docker-compose is installed by `make test` on Debian"
)


# What an operator must set besides SECRET_KEY: the production backends.
OPERATOR = {
    "SECRET_KEY": "Zq8-f1Lr0pWm3Xy_Tb6Nc2Vd9Hs4Gj7Ek5Ua0Oi1Yt" * 2,
    "ALLOWED_HOSTS": "motcua.example.gov.vn",
    "VNPAY_TMN_CODE": "MOTCUA01",
    "VNPAY_HASH_SECRET": "a-secret-vnpay-issued",
    "SMS_HTTP_URL": "https://sms.example.gov.vn/api/v1/messages",
    "SMS_HTTP_TOKEN": "sms-gateway-token",
    "EMAIL_URL": "smtp+tls://motcua:password@smtp.example.gov.vn:587",
    "IDENTITY_REGISTRY_URL": "https://dancu.example.gov.vn/api/verify",
}


def compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OPERATOR}
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
    result = compose("config", "-q", **OPERATOR)
    assert result.returncode == 0, result.stderr


@needs_compose
@pytest.mark.parametrize("missing", sorted(set(OPERATOR) - {"ALLOWED_HOSTS"}))
def test_compose_refuses_to_start_without_a_secret_or_a_production_backend(missing):
    result = compose("config", "-q", **{k: v for k, v in OPERATOR.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


@needs_compose
def test_check_deploy_passes_with_the_production_compose_configuration():
    result = compose("config", **OPERATOR)
    assert result.returncode == 0, result.stderr
    environment = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    environment = {k: str(v) for k, v in environment.items() if v is not None}
    assert environment["PAYMENT_GATEWAY"] == "dossiers.vnpay.VnpayGateway"
    keep = {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**{k: v for k, v in os.environ.items() if k in keep}, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert check.returncode == 0, check.stderr
    assert "no issues" in check.stdout


@needs_compose
def test_compose_runs_every_role_with_health_checks():
    result = compose("config", **OPERATOR)
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
