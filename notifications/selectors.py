"""Reads of the notification centre: always scoped to the person asking."""

from __future__ import annotations

from common.keyset import newest_first_page
from notifications.constants import CitizenChannel, OfficialEmail
from notifications.models import Notification, NotificationPreference

PAGE_SIZE = 20


def notification_list_for(*, user, after: str | None = None, size: int = PAGE_SIZE):
    """One page, newest first, keyset on (created_at, id): one query at any size."""
    return newest_first_page(Notification.objects.filter(user=user), after=after, size=size)


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
