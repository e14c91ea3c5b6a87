"""Reads of dashboards and exports go to a PostgreSQL read replica.

The replica is optional: with `DATABASE_REPLICA_URL` unset there is no `replica`
alias and every query goes to `default`. With it set, a view or task that
only reads opts in explicitly:

    @replica_reads
    def dashboard(request): ...

    with reads_from_replica():
        rows = list(export_queryset())

Opt-in, not "all reads to the replica": a replica lags the primary by a little, and a
person who just submitted a dossier must see it on the next page. Dashboards and
exports tolerate a few seconds of lag; the workbench and the queues do not. Writes,
and reads inside a transaction on `default`, never go to the replica.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_use_replica = contextvars.ContextVar("motcua_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reads_from_replica():
    """Within the block, ORM reads go to the replica (when there is one)."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def replica_reads(view):
    """Decorator form of `reads_from_replica` for read-only views and tasks."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with reads_from_replica():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _use_replica.get() or not replica_configured():
            return None
        # Inside a transaction on the primary (a service that reads what it just
        # wrote), stay on the primary: the replica has not seen those rows yet.
        if connections["default"].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The same data on both aliases: objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary by streaming replication, never by migrate.
        return db != REPLICA
