"""Keyset pagination: a page of rows after an opaque cursor, in (column, id) order.

A page costs one indexed range scan whatever the table's size, where OFFSET would read
and drop every row before it. The cursor is the last row's sort value and id, encoded
as URL-safe text; a missing or forged cursor gives the first page. NULLs of the sort
column come last in either direction, so the condition stays one comparison.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def cursor_encode(value, pk: int) -> str:
    """The opaque position of a row from its sort value (text, number, datetime or None)
    and its id."""
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str | None, *, moment: bool):
    """(value, pk) from `cursor_encode`, or None for a missing or forged cursor. With
    `moment` the value must be an aware datetime; otherwise text (or None)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if value is not None and moment:
            value = dt.datetime.fromisoformat(value)
            if value.tzinfo is None:
                return None
        elif value is not None and not isinstance(value, str):
            return None
        return value, int(pk)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def ordering(column: str, desc: bool) -> list:
    """ORDER BY column NULLS LAST, then id, both the same way."""
    if desc:
        return [F(column).desc(nulls_last=True), F("pk").desc()]
    return [F(column).asc(nulls_last=True), F("pk").asc()]


def after_q(position, column: str, desc: bool) -> Q:
    """Rows after `position` (value, pk) in `ordering(column, desc)`."""
    value, pk = position
    beyond, pk_beyond = (f"{column}__lt", "pk__lt") if desc else (f"{column}__gt", "pk__gt")
    if value is None:
        return Q(**{f"{column}__isnull": True, pk_beyond: pk})
    return (
        Q(**{beyond: value})
        | Q(**{column: value, pk_beyond: pk})
        | Q(**{f"{column}__isnull": True})
    )


def newest_first_page(qs: QuerySet, *, after: str | None, size: int) -> Page:
    """One page of `qs` ordered by (-created_at, -id) after the cursor `after`: one
    query. `created_at` is never NULL here."""
    position = cursor_decode(after, moment=True)
    # A cursor naming no time cannot come from a row here (created_at is never NULL):
    # forged, it is the first page, like any other bad cursor.
    if position and position[0] is not None:
        created, pk = position
        qs = qs.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_encode(rows[-1].created_at, rows[-1].pk) if more else None)
