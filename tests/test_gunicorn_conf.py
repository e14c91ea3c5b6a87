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
