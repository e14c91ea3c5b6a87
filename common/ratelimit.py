"""The one rate limiter of public doors: a fixed window counted in the shared cache.

Web nodes are stateless, so the count lives in Redis (the default cache) and every
node sees the same one. A door names what it counts (`scope`) and whose hits
(`key`: usually the client's address from `client_address`); the window's count
starts at the first hit and expires with the window. HTML views call
`request_allowed`; API views name a `PublicRateThrottle` subclass, which counts in
the same place, so a page and its JSON twin can share one budget. Doors that name an
account also count per typed target (`door_allowed`).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request) -> str:
    """`client_ip`, or "unknown" for a request without an address (counted together)."""
    return client_ip(request) or "unknown"


def client_ip(request) -> str | None:
    """The address of the client, as far as our own proxies vouch for it.

    With `TRUSTED_PROXY_COUNT` = 0 (no proxy in front) it is REMOTE_ADDR: any
    X-Forwarded-For is the client's to forge. With N proxies, each of which appends
    the address it received the request from to X-Forwarded-For, the Nth entry from
    the right is the one our outermost proxy wrote: entries left of it are whatever
    the client sent. A request with fewer entries did not pass through all our proxies
    and is keyed on REMOTE_ADDR. django-axes calls this function too
    (AXES_CLIENT_IP_CALLABLE), so lockouts and rate limits key on the same address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(chain[-hops]))
    except ValueError:
        return remote


def hit(*, scope: str, key: str, limit: int, window: int = 60) -> bool:
    """Counts one hit of `key` at `scope`; True while within `limit` hits per `window`
    seconds, False once over it (the caller then answers 429)."""
    return count(scope=scope, key=key, window=window) <= limit


def _cache_key(scope: str, key: str) -> str:
    return f"ratelimit:{scope}:{key}"


def count(*, scope: str, key: str, window: int = 60) -> int:
    """Counts one hit of `key` at `scope` and returns the hits in the current window."""
    name = _cache_key(scope, key)
    counter = getattr(cache, "incr_in_window", None)  # config.cache.RedisCache
    if counter is not None:
        return counter(name, window)
    if cache.add(name, 1, timeout=window):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        return 1


def peek(*, scope: str, key: str) -> int:
    """The hits of `key` at `scope` in the current window, without counting one."""
    return int(cache.get(_cache_key(scope, key)) or 0)


def request_allowed(request, *, scope: str, limit: int, window: int = 60) -> bool:
    """`hit` for the request's client address."""
    return hit(scope=scope, key=client_address(request), limit=limit, window=window)


def door_allowed(request, *, scope: str, targets, limit: int, window: int = 3600) -> bool:
    """A door that names an account (sign-up, password reset, adding a member):
    `limit` tries per `window` seconds per client address and per typed target (an ID
    number, email or phone, counted as a keyed hash), whether or not an account answers
    to it, so that the limit itself tells nothing. Every count is taken even when the
    first is already over, so that a refused try costs the same as another."""
    allowed = request_allowed(request, scope=scope, limit=limit, window=window)
    for target in targets:
        value = (target or "").strip().lower()
        if value:
            key = salted_hmac("common.ratelimit.door", value).hexdigest()[:32]
            allowed &= hit(scope=f"{scope}-target", key=key, limit=limit, window=window)
    return allowed


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/minute" -> (120, 60): Django REST framework's notation of a rate."""
    number, period = rate.split("/")
    return int(number), _PERIODS[period.strip()[0]]


class PublicRateThrottle(BaseThrottle):
    """Django REST framework's door to `request_allowed`: a subclass names the `scope`
    and returns its rate ("N/period", read at request time so settings may change)."""

    scope = ""

    def get_rate(self) -> str:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        limit, self._window = parse_rate(self.get_rate())
        return request_allowed(request, scope=self.scope, limit=limit, window=self._window)

    def get_ident(self, request) -> str:
        return client_address(request)

    def wait(self) -> float | None:
        return getattr(self, "_window", None)
