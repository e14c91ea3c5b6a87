"""The queue tabs' counts: from the queue tally or one aggregate, cached per official
under the generations of their agencies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Func, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dossiers import estimates, tally
from dossiers.constants import OPEN_STATES, RUNNING, Status
from dossiers.models import Dossier, QueueTally
from dossiers.queues.scope import FILED, OfficialScope, day_start, due_soon_limit, queue_q, scope_q
from procedures.calendar import WorkingCalendar


class QueueCounts(dict):
    """Tab name -> count; `estimated` holds the names whose count is the planner's
    estimate (shown with "≈"), not an exact count."""

    def __init__(self, *args, estimated=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = frozenset(estimated)


def exact_count_below() -> int:
    return getattr(settings, "BACKOFFICE_EXACT_COUNT_BELOW", estimates.EXACT_BELOW)


def round_estimate(number: int) -> int:
    """Two significant digits: an estimate printed to the unit would claim a precision
    it does not have (83 456 -> 83 000)."""
    if number < 100:
        return number
    step = 10 ** (len(str(number)) - 2)
    return round(number / step) * step


def counts_compute(scope: OfficialScope, names, *, now, calendar) -> QueueCounts:
    """The tabs' counts: at most two queries whatever the size.

    "All" is the agencies' history; it is counted the way
    `estimates.count_or_estimate` does (exact below the threshold, else the planner's
    estimate, no row read), with one planner call. Every other tab is a subset of the
    open states, counted from the queue tally (`dossiers.tally`): a few hundred rows per
    agency however many dossiers are open. While "all" is small enough to be exact, its
    number and the others come from one aggregate over the dossier table instead (cheap
    at that size, and one query either way).
    """
    limit = due_soon_limit(now, calendar or WorkingCalendar.load())
    conditions = {name: queue_q(name, scope, now, limit) for name in names}
    estimated = {}
    if "all" in conditions:
        guess = estimates.estimated_count(Dossier.objects.filter(conditions["all"]))
        if guess >= exact_count_below():
            estimated["all"] = round_estimate(guess)
            del conditions["all"]
    counts = {}
    if conditions and "all" not in conditions and _tally_applies():
        counts = _tally_counts(scope, conditions, now=now, limit=limit)
    elif conditions:
        rows = Q(status__in=FILED if "all" in conditions else OPEN_STATES) & scope_q(scope)
        aggregates = {name: Count("pk", filter=q) for name, q in conditions.items()}
        counts = Dossier.objects.filter(rows).aggregate(**aggregates)
    counts.update(estimated)
    return QueueCounts({name: counts[name] for name in names}, estimated=estimated)


def _tally_applies() -> bool:
    """The tally's due days are local days of its zone: another zone (an official who
    chose one) is counted on the dossier table."""
    return (
        getattr(settings, "QUEUE_TALLY", True)
        and timezone.get_current_timezone_name() == tally.TALLY_ZONE
    )


def _tally_counts(scope: OfficialScope, conditions: dict, *, now, limit) -> dict:
    """The open tabs' counts from the tally, in one query.

    The tabs that do not depend on the clock filter the tally on the same columns as
    the dossiers. "Overdue" and "due soon" compare appointment dates with now: whole
    local days come from the tally (days before today are overdue; the days after
    today and before `limit`, due soon), and today's dossiers, split at this minute,
    are counted on the dossier table (`dossier_recv_open` / `dossier_comp_open`, a
    range of today's appointments only) inside the same statement."""
    today = timezone.localdate(now)
    limit_day = timezone.localdate(limit)
    in_scope = scope_q(scope)
    due_today = Dossier.objects.filter(
        Q(
            status__in=RUNNING,
            due_at__gte=day_start(today),
            due_at__lt=day_start(today + dt.timedelta(days=1)),
        )
        & in_scope
    )

    def today_where(q: Q):
        return Coalesce(Subquery(due_today.filter(q).values(n=Func(F("pk"), function="COUNT"))), 0)

    aggregates = {}
    for name, q in conditions.items():
        if name == "overdue":
            whole = Q(status__in=RUNNING, due_day__lt=today) & in_scope
            extra = today_where(Q(due_at__lt=now))
        elif name == "due_soon":
            whole = Q(status__in=RUNNING, due_day__gt=today, due_day__lt=limit_day) & in_scope
            extra = today_where(Q(due_at__gte=now, due_at__lt=limit))
        else:
            whole, extra = q, None
        total = Coalesce(Sum("n", filter=whole), 0)
        aggregates[name] = total + extra if extra is not None else total
    return QueueTally.objects.filter(in_scope).aggregate(**aggregates)


def counts_cache_seconds() -> int:
    return int(getattr(settings, "QUEUE_COUNTS_CACHE_SECONDS", 60))


def counts_generation_key(agency_id: int) -> str:
    return f"queues:generation:{agency_id}"


def agencies_changed(agency_ids) -> None:
    """New generations for these agencies' counts (call once the change is committed)."""
    keys = {counts_generation_key(pk) for pk in agency_ids if pk}
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def dossier_saved(sender, instance, created, **kwargs) -> None:
    """post_save of Dossier: the agencies it belonged to when read and belongs to now
    get new count generations when the transaction commits. A draft that stays a draft
    (the declaration's autosave) is in no count."""
    loaded = getattr(instance, "_loaded_queue_fields", None) or (None, None, None)
    status = instance.__dict__.get("status")  # never a query for a deferred field
    if status == Status.DRAFT and loaded[2] in (Status.DRAFT, None):
        return
    agencies = {
        loaded[0],
        loaded[1],
        instance.__dict__.get("receiving_agency_id"),
        instance.__dict__.get("competent_agency_id"),
    }
    transaction.on_commit(lambda: agencies_changed(agencies), robust=True)


def _counts_key(scope: OfficialScope, names, now: dt.datetime, seconds: int) -> str:
    """The key of this official's counts now. The generations are read before the
    counts are (a change committed in between makes a key nobody reads again)."""
    keys = [counts_generation_key(pk) for pk in sorted(scope.any_ids)]
    generations = cache.get_many(keys)
    missing = [key for key in keys if key not in generations]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        generations.update(cache.get_many(missing))
    roles = sorted((pk, role) for role, ids in scope.by_role.items() for pk in ids)
    parts = [
        [generations.get(key, "") for key in keys],
        roles,
        list(names),
        int(now.timestamp()) // seconds,
        str(timezone.get_current_timezone()),
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"queues:counts:{getattr(scope.user, 'pk', 0)}:{digest}"


def queue_counts(scope: OfficialScope, names, *, now=None, calendar=None) -> QueueCounts:
    """The tabs' counts (see `counts_compute`), from the cache when nothing changed in the
    official's agencies since they were counted."""
    if not scope.any_ids:
        return QueueCounts(dict.fromkeys(names, 0))
    now = now or timezone.now()
    seconds = counts_cache_seconds()
    if seconds <= 0:
        return counts_compute(scope, names, now=now, calendar=calendar)
    key = _counts_key(scope, names, now, seconds)
    hit = cache.get(key)
    if hit is not None:
        counts, estimated = hit
        return QueueCounts(counts, estimated=estimated)
    result = counts_compute(scope, names, now=now, calendar=calendar)
    cache.set(key, (dict(result), sorted(result.estimated)), seconds)
    return result
