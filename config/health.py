"""Liveness (/healthz) and readiness (/readyz) probes for load balancers and operators.

Every probe has a short timeout so a hung dependency makes /readyz answer 503 fast
instead of hanging the balancer's check.
"""

import hmac
import ipaddress
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


# Headers a proxy adds to say whom it forwards for: with any of them, the request
# came from outside even though the proxy itself connects from the loopback.
_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def _from_loopback(request) -> bool:
    if any(header in request.META for header in _FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _has_token(request) -> bool:
    expected = settings.READYZ_TOKEN
    if not expected:
        return False
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    given = authorization[7:] if authorization[:7].lower() == "bearer " else ""
    given = given or request.GET.get("token", "")
    return hmac.compare_digest(given.encode(), expected.encode())


def deep_check_allowed(request) -> bool:
    """The deep check sends a Celery task and holds a web thread for up to the timeout:
    only the host itself (no proxy in between) or whoever holds READYZ_TOKEN."""
    return _from_loopback(request) or _has_token(request)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """200 when PostgreSQL and Redis answer; ?deep=1 also round-trips a Celery task,
    for the loopback or the holder of READYZ_TOKEN only (403 for anyone else)."""
    timeout = settings.READINESS_TIMEOUT
    checks = {"database": _check_database, "redis": _check_redis}
    if request.GET.get("deep") in {"1", "true", "yes"}:
        if not deep_check_allowed(request):
            return JsonResponse(
                {"detail": "The deep check needs READYZ_TOKEN or a loopback address."},
                status=403,
            )
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
