"""What the in-process profiles (bench/profile_pages.py, bench/profile_intake.py)
share: Django set up as the load run serves it, and the time a request spends in SQL.

Import it before anything of Django's: `setup()` sets the settings the benchmark's
server runs with (bench/run.py), then Django.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "localhost"


def setup(**environment: str) -> None:
    """Django as bench/run.py's gunicorn runs it (`environment` adds to that), with no
    server: requests go through Django's test client and the whole middleware stack."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("BENCH_FLOOR", "1")
    for name, value in environment.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


class SqlTimer:
    """Time and statements spent in SQL since the last `reset`; install `execute` with
    `connection.execute_wrapper`. `spent(seconds, sql)` lets a subclass note more."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.sql = 0.0
        self.queries = 0

    def spent(self, seconds: float, sql: str) -> None:
        pass

    def execute(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - began
            self.sql += seconds
            self.queries += 1
            self.spent(seconds, sql)
