"""Every write of the notifications app (STYLE R1/R3)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from notifications.models import Notification, NotificationPreference


def notification_create(*, key: str, user, kind: str, title: str, body: str, link: str, dossier):
    """Idempotent by `key` (the outbox delivery's key)."""
    notification, _created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "user": user,
            "kind": kind,
            "title": title[:300],
            "body": body,
            "link": link,
            "dossier": dossier,
        },
    )
    return notification


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Someone else's notification is a 404, like one that does not exist."""
    notification = (
        Notification.objects.select_for_update().filter(user=user, pk=notification_id).first()
    )
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_save(*, user, citizen_channel: str, official_email: str, language: str):
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.citizen_channel = citizen_channel
    pref.official_email = official_email
    pref.language = language
    pref.updated_at = timezone.now()
    pref.save()
    return pref
