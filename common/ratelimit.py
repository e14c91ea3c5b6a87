"""The one rate limiter of public doors: a fixed window counted in the shared cache.

Web nodes are stateless, so the count lives in Redis (the default cache) and every
node sees the same one. A door names what it counts (`scope`) and whose hits
(`key`: usually the client's address from `client_address`); the window's count
starts at the first hit and expires with the window.
"""

from __future__ import annotations

from django.core.cache import cache


def client_address(request) -> str:
    """The address the request came from, as the server saw it. Only REMOTE_ADDR: a
    header such as X-Forwarded-For is the client's to forge, so a deployment behind a
    proxy sets REMOTE_ADDR from the proxy's header in the proxy itself (gunicorn's
    `forwarded_allow_ips`, nginx's `real_ip`)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(*, scope: str, key: str, limit: int, window: int = 60) -> bool:
    """Counts one hit of `key` at `scope`; True while within `limit` hits per `window`
    seconds, False once over it (the caller then answers 429)."""
    name = f"ratelimit:{scope}:{key}"
    if cache.add(name, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        count = 1
    return count <= limit


def request_allowed(request, *, scope: str, limit: int, window: int = 60) -> bool:
    """`hit` for the request's client address."""
    return hit(scope=scope, key=client_address(request), limit=limit, window=window)
