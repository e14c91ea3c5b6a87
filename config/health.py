"""Liveness (/healthz) and readiness (/readyz) probes for load balancers and operators.

Every probe has a short timeout so a hung dependency makes /readyz answer 503 fast
instead of hanging the balancer's check.
"""

import time
import uuid

import psycopg
import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database(timeout: float) -> None:
    # A fresh connection with its own timeout: the pooled one may be healthy while
    # the server no longer accepts new connections, and must not hang this probe.
    db = connections["default"].settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "connect_timeout": max(1, round(timeout)),
        "options": f"-c statement_timeout={int(timeout * 1000)}",
    }
    params = {key: value for key, value in params.items() if value is not None}
    with psycopg.connect(**params) as conn:
        conn.execute("SELECT 1")


def _check_redis(timeout: float) -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_worker(timeout: float) -> None:
    from config.tasks import ping

    token = uuid.uuid4().hex
    # The queue is configurable so a deployment can probe a dedicated worker pool.
    queue = settings.READINESS_CELERY_QUEUE or None
    answer = ping.apply_async(args=[token], expires=timeout, queue=queue).get(timeout=timeout)
    if answer != f"pong:{token}":
        raise RuntimeError(f"unexpected answer {answer!r}")


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """200 when PostgreSQL and Redis answer; ?deep=1 also round-trips a Celery task."""
    timeout = settings.READINESS_TIMEOUT
    checks = {"database": _check_database, "redis": _check_redis}
    if request.GET.get("deep") in {"1", "true", "yes"}:
        checks["celery"] = _check_worker
    results: dict[str, dict] = {}
    for name, check in checks.items():
        started = time.monotonic()
        try:
            check(timeout)
        except Exception as exc:  # any failure means "not ready"; say which and why
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    failed = sorted(name for name, result in results.items() if not result["ok"])
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results}
    return JsonResponse(body, status=503 if failed else 200)
