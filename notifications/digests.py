"""Periodic messages: the officials' daily digest, the citizens' daily reminders and
the weekly summary per agency for its leaders.

Each message has a ledger key (`digest:<user>:<date>`, `reminder:<about>:<dossier>:
<date>`, `weekly:<agency>:<user>:<year>-W<week>`) inserted in the transaction that
sends it, so a job run twice, or on two workers at once, sends each message once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from dossiers.constants import FINAL, PAUSED, Status
from dossiers.models import Dossier
from dossiers.queues import Filters, dossier_list_for_queue, official_scope
from identity.constants import OfficialRole
from identity.models import OfficialMembership
from notifications import channels
from notifications.constants import OfficialEmail
from notifications.models import SentMessage
from notifications.selectors import preferences_by_user
from procedures.calendar import WorkingCalendar

logger = logging.getLogger(__name__)

DIGEST_ROWS = 10


def _claim(key: str, *, channel: str, user=None) -> bool:
    try:
        with transaction.atomic():
            SentMessage.objects.create(key=key, channel=channel, user=user)
    except IntegrityError:
        return False
    return True


# --- officials' daily digest -----------------------------------------------------------


@dataclass
class Digest:
    new: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.due_soon or self.overdue)


def digest_for(user, *, now, calendar) -> Digest:
    """What arrived in the official's queues since yesterday, what is due soon and
    what is overdue; each list at most DIGEST_ROWS rows, a constant number of queries."""
    scope = official_scope(user)
    digest = Digest()
    if not scope.any_ids:
        return digest
    since = now - dt.timedelta(days=1)
    new_queues = [q for q in ("receive", "mine", "approval") if _holds(scope, q)]
    seen = set()
    for queue in new_queues:
        page = dossier_list_for_queue(
            scope=scope, filters=Filters(queue=queue), now=now, calendar=calendar, size=200
        )
        for row in page.rows:
            if row.updated_at >= since and row.pk not in seen:
                seen.add(row.pk)
                digest.new.append(row)
    digest.new = digest.new[:DIGEST_ROWS]
    for name in ("due_soon", "overdue"):
        page = dossier_list_for_queue(
            scope=scope, filters=Filters(queue=name), now=now, calendar=calendar, size=DIGEST_ROWS
        )
        setattr(digest, name, page.rows)
    return digest


def _holds(scope, queue: str) -> bool:
    role = {
        "receive": OfficialRole.RECEPTIONIST,
        "mine": OfficialRole.SPECIALIST,
        "approval": OfficialRole.LEADER,
    }[queue]
    return role in scope.roles


def _officials():
    User = get_user_model()
    ids = OfficialMembership.objects.values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).exclude(email="").order_by("pk")


@transaction.atomic
def send_digest(*, user, pref, now, calendar) -> bool:
    day = timezone.localtime(now).date()
    key = f"digest:{user.pk}:{day.isoformat()}"
    with translation.override(pref.language):
        digest = digest_for(user, now=now, calendar=calendar)
        if not digest:
            return False  # nothing new: no email at all
        subject = translation.gettext("Your dossiers on %(day)s") % {
            "day": day.strftime("%d/%m/%Y")
        }
        body = render_to_string(
            "notifications/email/digest.txt",
            {"user": user, "digest": digest, "day": day, "site_url": settings.SITE_URL.rstrip("/")},
        )
    return channels.send_email_once(key=key, user=user, to=user.email, subject=subject, body=body)


def send_daily_digests(*, now=None) -> int:
    """Officials who chose the digest (the default) get one email a day, and only
    when something is new, due soon or overdue."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    sent = 0
    officials = list(_officials())
    prefs = preferences_by_user([u.pk for u in officials])
    for user in officials:
        if prefs[user.pk].official_email != OfficialEmail.DIGEST:
            continue
        try:
            sent += send_digest(user=user, pref=prefs[user.pk], now=now, calendar=calendar)
        except Exception:
            logger.exception("digest for user %s failed", user.pk)
    return sent


# --- citizens' reminders ---------------------------------------------------------------

REMINDER_ABOUT = {
    Status.DESK_SUPPLEMENT: "supplement",
    Status.SUPPLEMENT_REQUESTED: "supplement",
    Status.AWAITING_PAYMENT: "payment",
}


@transaction.atomic
def remind(*, dossier: Dossier, about: str, day: dt.date) -> bool:
    from dossiers.outbox import emit

    if not _claim(f"reminder:{about}:{dossier.pk}:{day.isoformat()}", channel="job"):
        return False
    emit("reminder", dossier=dossier, actor=None, data={"about": about})
    return True


def send_citizen_reminders(*, now=None) -> int:
    """Once a day at most per dossier: a supplement or a payment still awaited a day
    after it was asked for. At the desk no clock was paused: the request is the
    dossier's last change."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    since = now - dt.timedelta(days=1)
    waiting = Dossier.objects.filter(
        Q(status__in=PAUSED, paused_at__lt=since)
        | Q(status=Status.DESK_SUPPLEMENT, updated_at__lt=since)
    ).order_by("pk")
    sent = 0
    for dossier in waiting.iterator(chunk_size=500):
        sent += remind(dossier=dossier, about=REMINDER_ABOUT[dossier.status], day=day)
    return sent


# --- weekly summary per agency ---------------------------------------------------------


def agency_summary(agency, *, now) -> dict:
    """Counts by state, the on-time rate of the dossiers finished in the last 7 days,
    and the five oldest open dossiers. Three queries."""
    week_ago = now - dt.timedelta(days=7)
    base = Dossier.objects.filter(competent_agency=agency).exclude(
        status__in=(Status.DRAFT, Status.DISCARDED)
    )
    open_states = [s for s in Status.values if s not in FINAL and s != Status.DRAFT]
    figures = base.aggregate(
        open=Count("pk", filter=Q(status__in=open_states)),
        submitted=Count("pk", filter=Q(submitted_at__gte=week_ago)),
        finished=Count("pk", filter=Q(finished_at__gte=week_ago)),
        on_time=Count(
            "pk",
            filter=Q(finished_at__gte=week_ago, due_at__isnull=False)
            & Q(finished_at__lte=F("due_at")),
        ),
        overdue=Count("pk", filter=Q(status__in=open_states, due_at__lt=now)),
    )
    finished = figures["finished"]
    figures["on_time_rate"] = round(100 * figures["on_time"] / finished) if finished else None
    figures["oldest"] = list(
        base.filter(status__in=open_states)
        .select_related("version__procedure")
        .order_by("submitted_at", "pk")[:5]
    )
    return figures


def send_weekly_summaries(*, now=None) -> int:
    from procedures.models import Agency

    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    leaders = OfficialMembership.objects.filter(
        role=OfficialRole.LEADER, user__is_active=True
    ).exclude(user__email="")
    by_code: dict[str, list[int]] = {}
    for code, uid in leaders.values_list("agency__code", "user_id"):
        by_code.setdefault(code, []).append(uid)
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in={u for v in by_code.values() for u in v})
    }
    prefs = preferences_by_user(list(users))
    sent = 0
    for agency in Agency.objects.filter(code__in=by_code).order_by("code"):
        summary = agency_summary(agency, now=now)
        for uid in by_code[agency.code]:
            user, pref = users[uid], prefs[uid]
            if pref.official_email == OfficialEmail.NONE:
                continue
            key = f"weekly:{agency.code}:{uid}:{year}-W{week:02d}"
            with translation.override(pref.language):
                subject = translation.gettext("Weekly summary: %(agency)s") % {
                    "agency": agency.name
                }
                body = render_to_string(
                    "notifications/email/weekly.txt",
                    {"user": user, "agency": agency, "s": summary, "week": week, "year": year},
                )
            sent += channels.send_email_once(
                key=key, user=user, to=user.email, subject=subject, body=body
            )
    return sent
