"""Forgetting cached values when the rows behind them change."""

from collections.abc import Callable

from django.db import transaction


def forget_now_and_after_commit(forget: Callable[[], None]) -> None:
    """Run `forget` at once, so the writing transaction itself reads afresh, and again
    once that transaction commits, so what another process cached from the old rows
    meanwhile is not read again. Queued once per transaction: a bulk write calls this
    for every row it saves."""
    forget()
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is forget for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(forget)
