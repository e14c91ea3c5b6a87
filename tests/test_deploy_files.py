"""The deploy files stay valid: compose parses, needs SECRET_KEY and the production
backends, passes `check --deploy`, and runs every role."""

import json
import os
import re
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
    "SIGNING_KEY_ENCRYPTION_KEY": "c2lnbmluZy1rZXktb2YtdGhpcy1kZXBsb3ltZW50ISE=",
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


def _services() -> dict:
    yaml = pytest.importorskip("yaml")
    result = compose("config", **OPERATOR)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


@needs_compose
def test_only_the_proxy_is_published_and_gunicorn_stays_internal():
    services = _services()
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {str(port["target"]) for port in services["proxy"]["ports"]} == {"80", "443"}
    assert services["proxy"]["image"].startswith("nginx:")
    assert "--bind=0.0.0.0:8000" in services["web"]["environment"]["GUNICORN_CMD_ARGS"]


@needs_compose
def test_proxy_and_application_share_the_private_files_and_their_limits():
    services = _services()
    web_env, proxy_env = services["web"]["environment"], services["proxy"]["environment"]
    # Django's X-Accel-Redirect prefix is nginx's internal location, over the same volume.
    assert web_env["DOSSIER_X_ACCEL_PREFIX"] == "/_private/"
    assert "private:/app/private:rw" in services["web"]["volumes"]
    assert "private:/app/private:rw" in services["worker"]["volumes"]
    assert "private:/srv/private:ro" in services["proxy"]["volumes"]
    assert web_env["PRIVATE_MEDIA_ROOT"] == "/app/private"
    assert proxy_env["DOSSIER_MAX_FILE_MB"] == web_env["DOSSIER_MAX_FILE_MB"]
    mounts = " ".join(services["proxy"]["volumes"])
    assert "/etc/nginx/certs:ro" in mounts and "/etc/nginx/templates:ro" in mounts


NGINX = ROOT / "docker" / "nginx"


def _nginx_config() -> str:
    return (NGINX / "templates" / "default.conf.template").read_text()


def _blocks(text: str) -> list[str]:
    """Top-level `{ ... }` blocks, braces balanced (a structural check: the image's
    `nginx -t` is not on the test machine)."""
    # Comments and the template's ${VARIABLES} (rendered by envsubst) hold no blocks.
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    text = re.sub(r"\$\{(\w+)\}", r"$\1", text)
    depth, start, blocks = 0, 0, []
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
            if depth == 1:
                start = index
        elif char == "}":
            depth -= 1
            assert depth >= 0, "unbalanced }"
            if depth == 0:
                blocks.append(text[start : index + 1])
    assert depth == 0, "unbalanced {"
    return blocks


def _statements(text: str) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_nginx_config_is_balanced_and_every_statement_ends():
    for path in (NGINX / "templates" / "default.conf.template", NGINX / "motcua-proxy.inc"):
        text = path.read_text()
        _blocks(text)
        for line in _statements(text):
            assert line.endswith((";", "{", "}")), f"{path.name}: {line}"


def test_nginx_terminates_tls_and_proxies_to_gunicorn():
    config = _nginx_config()
    upstream, http, https = _blocks(config)
    assert "server web:8000;" in upstream
    assert "listen 443 ssl" in https and "listen 80" in http
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in https
    assert "ssl_certificate_key /etc/nginx/certs/privkey.pem;" in https
    assert "return 301 https://$host$request_uri;" in http
    assert "server_tokens off;" in http and "server_tokens off;" in https
    assert https.count("proxy_pass http://motcua_web;") == 1


def test_nginx_body_limit_follows_the_upload_limit():
    assert "client_max_body_size ${NGINX_BODY_MAX_MB}m;" in _nginx_config()
    assert "NGINX_BODY_MAX_MB" in _blocks(_nginx_config())[2]
    script = NGINX / "15-motcua-limits.envsh"
    assert os.access(script, os.X_OK), "the image sources only executable .envsh files"
    result = subprocess.run(
        ["sh", "-c", f". {script}; echo $NGINX_BODY_MAX_MB"],
        env={"DOSSIER_MAX_FILE_MB": "25", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.stdout.strip() == "26"


def test_nginx_serves_private_files_only_for_x_accel_redirect():
    https = _blocks(_nginx_config())[2]
    location = https[https.index("location /_private/") :]
    location = location[: location.index("}") + 1]
    assert "internal;" in location
    assert "alias /srv/private/;" in location


def test_nginx_replaces_forwarding_headers_a_client_could_forge():
    proxy = (NGINX / "motcua-proxy.inc").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in proxy
    assert "proxy_set_header Host $host;" in proxy
    assert "$proxy_add_x_forwarded_for" not in proxy
