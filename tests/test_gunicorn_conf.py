"""gunicorn.conf.py: each web worker loads WeasyPrint before its first request."""

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
hooks["post_worker_init"](None)
assert "weasyprint" in sys.modules
print("warm")
"""


def test_post_worker_init_imports_and_warms_weasyprint():
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

    monkeypatch.setattr(pdf, "warm_up", broken)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    hooks["post_worker_init"](None)  # no exception

    assert "PDF warm-up failed" in caplog.text
