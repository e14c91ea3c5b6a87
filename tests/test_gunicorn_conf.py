"""gunicorn.conf.py: each web worker loads its views, templates and WeasyPrint before its
first request."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import runpy, sys
import django
django.setup()
hooks = runpy.run_path("gunicorn.conf.py")
assert "weasyprint" not in sys.modules, "imported before the hook"
assert "backoffice.queue_views" not in sys.modules, "imported before the hook"
hooks["post_worker_init"](None)
assert "weasyprint" in sys.modules
assert "backoffice.queue_views" in sys.modules and "portal.dossier_views" in sys.modules
from django.template import engines
loaders, cached = list(engines["django"].engine.template_loaders), None
while loaders and cached is None:  # template_partials wraps Django's cached loader
    loader = loaders.pop()
    cached = getattr(loader, "get_template_cache", None)
    loaders += getattr(loader, "loaders", [])
assert any("backoffice/queue.html" in str(key) for key in cached), "not cached"
print("warm")
"""


def test_post_worker_init_loads_views_templates_and_weasyprint():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("warm")


def test_a_failing_warm_up_does_not_stop_the_worker(monkeypatch, caplog):
    import runpy

    from dossiers import pdf

    def broken():
        raise OSError("no fonts")

    from config import warmup

    monkeypatch.setattr(pdf, "warm_up", broken)
    monkeypatch.setattr(warmup, "warm_up", broken)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    hooks["post_worker_init"](None)  # no exception

    assert "PDF warm-up failed" in caplog.text
    assert "Django warm-up failed" in caplog.text


def test_responses_do_not_name_gunicorn(tmp_path):
    """gunicorn started with the project's config file on a loopback port: its Server
    header names neither gunicorn nor its version."""
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("GUNICORN_CMD_ARGS", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--workers=1",
            f"--bind=127.0.0.1:{port}",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, response = time.monotonic() + 90, None
        while response is None and time.monotonic() < deadline:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except OSError:
                time.sleep(0.5)
        assert response is not None, "gunicorn did not answer"
        assert response.status == 200
        server_header = response.headers.get("Server", "")
        assert "gunicorn" not in server_header.lower()
        assert not any(char.isdigit() for char in server_header)
    finally:
        server.terminate()
        server.wait(timeout=30)
