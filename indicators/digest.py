"""The weekly radar email to each leader: what is stuck in their agencies (and the
units below) and why, from the same selectors as the radar page.

Sent through the notifications' email channel (`notifications.channels.send_email_once`)
with the ledger key `radar:<user>:<year>-W<week>`, claimed in the transaction that
sends it: a job run twice, or on two workers at once, sends each leader one email a
week. A leader who chose no email (`NotificationPreference.official_email`) gets none.
The notifications app never imports this one (layers): it is called by the Celery task
`indicators.radar_digests` (beat, Monday morning) and `manage.py send_radar_digest`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from identity.constants import OfficialRole
from indicators import radar, selectors
from notifications import channels
from notifications.constants import OfficialEmail
from notifications.models import SentMessage
from notifications.selectors import preferences_by_user
from procedures.calendar import WorkingCalendar

logger = logging.getLogger(__name__)

DIGEST_ROWS = 5


def digest_key(user, now: dt.datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"radar:{user.pk}:{year}-W{week:02d}"


def leaders():
    """Active leaders with an email address, in a stable order."""
    from identity.models import OfficialMembership

    ids = OfficialMembership.objects.filter(role=OfficialRole.LEADER).values("user_id")
    return (
        get_user_model().objects.filter(pk__in=ids, is_active=True).exclude(email="").order_by("pk")
    )


def digest_for(user, *, tree, now, calendar) -> dict | None:
    """The radar of the leader's agencies in short, or None when nothing is open and
    no feedback waits (no email then)."""
    scope = selectors.statistics_scope(user, tree)
    if not scope.allowed:
        return None
    ids = radar.scope_ids(tree, scope, None)
    tables = radar.summary_tables(tree, ids)
    feedback = radar.feedback_waiting(tree, ids, now=now, size=DIGEST_ROWS)
    if not tables["total"].n and not feedback["open"]:
        return None
    return {
        "tables": tables,
        "waiting": radar.longest_waiting(ids, now=now, calendar=calendar, size=DIGEST_ROWS).rows,
        "bottlenecks": radar.structural_bottlenecks(
            tree, ids, today=timezone.localtime(now).date()
        )[:DIGEST_ROWS],
        "others": radar.waiting_on_others(ids, now=now, calendar=calendar, size=DIGEST_ROWS),
        "transfers": radar.late_transfers(ids, now=now, size=DIGEST_ROWS),
        "feedback": feedback,
        "agencies": [tree.nodes[a].name for a in scope.roots],
    }


def send_radar_digest(*, user, pref, tree, now, calendar) -> bool:
    """One leader's email of the week; False when sent already, or nothing to say."""
    key = digest_key(user, now)
    if SentMessage.objects.filter(key=key).exists():
        return False  # the claim below is the guarantee; this spares the reads
    with translation.override(pref.language):
        found = digest_for(user, tree=tree, now=now, calendar=calendar)
        if found is None:
            return False
        year, week, _day = timezone.localtime(now).isocalendar()
        subject = translation.gettext("Bottleneck radar, week %(week)s/%(year)s") % {
            "week": week,
            "year": year,
        }
        body = render_to_string(
            "indicators/email/radar_digest.txt",
            {
                "user": user,
                "d": found,
                "week": week,
                "year": year,
                "url": settings.SITE_URL.rstrip("/") + reverse("backoffice:radar"),
            },
        )
    return channels.send_email_once(key=key, user=user, to=user.email, subject=subject, body=body)


def send_radar_digests(*, now=None) -> int:
    """Every leader's weekly radar email; returns how many were sent now."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    tree = selectors.agency_tree()
    people = list(leaders())
    prefs = preferences_by_user([u.pk for u in people])
    sent = 0
    for user in people:
        if prefs[user.pk].official_email == OfficialEmail.NONE:
            continue
        try:
            sent += send_radar_digest(
                user=user, pref=prefs[user.pk], tree=tree, now=now, calendar=calendar
            )
        except Exception:
            logger.exception("radar digest for user %s failed", user.pk)
    return sent
