"""Small query helpers."""

from __future__ import annotations


def unique_or_none(queryset):
    """The row a lookup by a unique key finds, or None. `first()` would add an ORDER BY
    (the model's ordering, else the primary key) that sorts at most one row and costs
    compiling on every call of a hot path."""
    return next(iter(queryset.order_by()[:1]), None)
