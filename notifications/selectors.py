"""Reads of the notification centre: always scoped to the person asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from notifications.constants import CitizenChannel, OfficialEmail
from notifications.models import Notification, NotificationPreference

PAGE_SIZE = 20


@dataclass
class NotificationPage:
    rows: list
    next_cursor: str | None


def _cursor(n: Notification) -> str:
    return f"{n.created_at.timestamp():.6f}_{n.pk}"


def _parse(cursor: str | None):
    try:
        moment, pk = (cursor or "").split("_")
        return dt.datetime.fromtimestamp(float(moment), tz=dt.UTC), int(pk)
    except ValueError:
        return None


def notification_list_for(*, user, after: str | None = None, size: int = PAGE_SIZE):
    """One page, newest first, keyset on (created_at, id): one query at any size."""
    qs = Notification.objects.filter(user=user)
    position = _parse(after)
    if position:
        moment, pk = position
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return NotificationPage(rows, _cursor(rows[-1]) if more else None)


def unread_count(user) -> int:
    """One indexed count (the `notification_unread` partial index)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preference_for(user) -> NotificationPreference:
    """The saved preference, or an unsaved one holding the defaults."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(
        user=user,
        citizen_channel=CitizenChannel.EMAIL,
        official_email=OfficialEmail.DIGEST,
        language="vi",
    )


def preferences_by_user(user_ids) -> dict[int, NotificationPreference]:
    found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    return {uid: found.get(uid) or NotificationPreference(user_id=uid) for uid in user_ids}
