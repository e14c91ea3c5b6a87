"""Figures read from the summary tables, remembered in the cache until the next refresh.

What the statistics, `/minh-bach/` and the radar read from `DailyStat`, `MonthlyStat`,
`StepStat` and `OpenStat` changes only when a refresh rewrites them
(`indicators.refresh`, `indicators.radar_refresh`), so it is kept per scope and
period under a *generation*: a random token that every refresh replaces once its
transaction commits. A new token makes every remembered figure unreachable at once
(no key listing, no race with a page computing an old value: it stores it under the
old token, which nobody reads again); the TTL only bounds how long the unreachable
values take room, and how stale a name or a membership read along with them can be.

What does not come from the summaries (citizens' feedback, the index edition, the
live lists of the radar) is read afresh on every request by the callers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from common.cache import forget_now_and_after_commit

GENERATION_KEY = "indicators:generation"
# The beat refreshes every 15 minutes; a value is never older than that anyway.
TTL = 15 * 60

T = TypeVar("T")


def generation() -> str:
    return cache.get_or_set(GENERATION_KEY, lambda: uuid.uuid4().hex, timeout=None)


def _forget() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def forget() -> None:
    """Every remembered figure is stale: the refreshes call this whenever they rewrite a
    summary, inside their transaction. The token is replaced at once (so the writing
    transaction itself reads afresh) and again after the commit (so what another
    process computed from the old rows meanwhile is not read again)."""
    forget_now_and_after_commit(_forget)


def key_of(*parts) -> str:
    """A short, stable key for the parts (agency id sets can be long)."""
    text = "|".join(
        ",".join(map(str, sorted(p))) if isinstance(p, set | frozenset) else str(p) for p in parts
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def fragment_key(parts: tuple) -> str:
    """The vary-on of a `{% cache %}` fragment drawn from remembered figures alone."""
    return f"{generation()}:{key_of(*parts)}"


def remembered(name: str, parts: tuple, compute: Callable[[], T], ttl: int = TTL) -> T:
    """`compute()`, or what it returned for the same `name` and `parts` since the last
    refresh."""
    if ttl <= 0:
        return compute()
    key = f"indicators:{name}:{generation()}:{key_of(*parts)}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, ttl)
    return found
