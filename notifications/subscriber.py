"""The "notify" subscriber of the outbox: who hears about an event, on which channel,
and the sending of one delivery.

Citizens: the applicant and, for a business's dossier, its legal representatives -
never anyone else - in the notification centre and by email or SMS (their choice,
to a confirmed address only). Officials: in the notification centre always; by email
only when they chose "immediately" (the default is the daily digest,
`notifications.digests`), so nobody gets one email per dossier per event by default.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from dossiers.outbox import Subscriber, register
from identity.constants import BusinessRole, OfficialRole
from identity.models import OfficialMembership
from notifications.constants import (
    CITIZEN_KINDS,
    FEEDBACK_KINDS,
    Audience,
    CitizenChannel,
    OfficialEmail,
)
from notifications.selectors import preferences_by_user

logger = logging.getLogger(__name__)

NAME = "notify"


def citizens_of(dossier) -> list[int]:
    """The applicant, plus the business's legal representatives."""
    ids = [dossier.applicant_id]
    if dossier.business_id:
        ids += list(
            dossier.business.memberships.filter(role=BusinessRole.REPRESENTATIVE).values_list(
                "user_id", flat=True
            )
        )
    return list(dict.fromkeys(ids))


def official_ids_at(agency_code: str, role: str) -> list[int]:
    """Active officials holding `role` at the agency (the membership table that
    identity.permissions and dossiers.queues.specialists_of read)."""
    return list(
        OfficialMembership.objects.filter(
            agency__code=agency_code,
            role=role,
            user__is_active=True,
            user__is_service_account=False,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def _consulted_agency_code(event) -> str | None:
    data = event.data or {}
    code = data.get("agency_code") or data.get("agency")
    if isinstance(code, int):
        from procedures.models import Agency

        return Agency.objects.filter(pk=code).values_list("code", flat=True).first()
    return code


def officials_for(event) -> list[int]:
    """Who hears what: submitted -> the receiving desk; assigned,
    forwarded, supplemented, paid -> the assignee; proposed -> leaders of the
    competent agency; overdue -> those leaders and the desk; consulted -> leaders of
    the consulted agency."""
    dossier, kind = event.dossier, event.kind
    if kind in FEEDBACK_KINDS:
        return _feedback_officials(event)
    if dossier is None:
        return [event.actor_id] if kind == "export_ready" and event.actor_id else []
    desk, competent = dossier.receiving_agency.code, dossier.competent_agency.code
    assignee = [dossier.assignee_id] if dossier.assignee_id else []
    if kind == "submitted":
        return official_ids_at(desk, OfficialRole.RECEPTIONIST)
    if kind in {
        "assigned",
        "forwarded",
        "supplemented",
        "paid",
        "sent_back",
        "consultation_answered",
        "due_soon",
    }:
        return assignee
    if kind == "proposed":
        return official_ids_at(competent, OfficialRole.LEADER)
    if kind == "overdue":
        return official_ids_at(competent, OfficialRole.LEADER) + official_ids_at(
            desk, OfficialRole.RECEPTIONIST
        )
    if kind == "consulted":
        code = _consulted_agency_code(event)
        return official_ids_at(code, OfficialRole.LEADER) if code else []
    if kind == "message_sent" and not _from_agency(event):
        return assignee or official_ids_at(desk, OfficialRole.RECEPTIONIST)
    return []


def _feedback_officials(event) -> list[int]:
    """New feedback -> the leaders of its agency (they assign it); assigned -> the
    official who answers it."""
    data = event.data or {}
    if event.kind == "feedback_received" and data.get("agency_code"):
        return official_ids_at(data["agency_code"], OfficialRole.LEADER)
    if event.kind == "feedback_assigned" and data.get("assignee"):
        return [data["assignee"]]
    return []


def feedback_sender(event) -> int | None:
    """The citizen who sent the feedback an event is about (None for other events)."""
    if event.kind not in FEEDBACK_KINDS:
        return None
    sender = (event.data or {}).get("sender")
    return sender if isinstance(sender, int) else None


def _from_agency(event) -> bool:
    return bool((event.data or {}).get("from_agency"))


def citizens_for(event) -> list[int]:
    if event.kind in FEEDBACK_KINDS:
        sender = feedback_sender(event)
        return [sender] if sender is not None and event.kind in CITIZEN_KINDS else []
    dossier = event.dossier
    if dossier is None:
        return []
    parties = citizens_of(dossier)
    if event.kind in CITIZEN_KINDS:
        return parties
    if event.kind == "message_sent" and _from_agency(event):
        return parties
    return []


def plan_event(event):
    """(recipient, channel) pairs. The actor is not told about their own action,
    except a citizen's acknowledgement of what they did (submitted, withdrawn)."""
    User = get_user_model()
    citizens = citizens_for(event)
    officials = [uid for uid in dict.fromkeys(officials_for(event)) if uid not in citizens]
    if event.kind != "export_ready":
        officials = [uid for uid in officials if uid != event.actor_id]
    ids = citizens + officials
    if not ids:
        return []
    users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    prefs = preferences_by_user(list(users))
    pairs = []
    for uid in citizens:
        user = users.get(uid)
        if user is None:
            continue
        pairs.append((f"user:{uid}", "inapp"))
        channel = prefs[uid].citizen_channel
        if channel == CitizenChannel.EMAIL and user.email and user.email_verified_at:
            pairs.append((f"user:{uid}", "email"))
        elif channel == CitizenChannel.SMS and user.phone and user.phone_verified_at:
            pairs.append((f"user:{uid}", "sms"))
    for uid in officials:
        user = users.get(uid)
        if user is None:
            continue
        pairs.append((f"user:{uid}", "inapp"))
        if prefs[uid].official_email == OfficialEmail.IMMEDIATE and user.email:
            pairs.append((f"user:{uid}", "email"))
    return pairs


def delivery_key(delivery) -> str:
    """The outbox delivery's idempotency key, as text: (event, subscriber, recipient,
    channel) is unique in OutboxDelivery."""
    return (
        f"outbox:{delivery.event_id}:{delivery.subscriber}:{delivery.recipient}:{delivery.channel}"
    )


def delivery_send(delivery) -> None:
    from notifications import channels, services
    from notifications.rendering import render_message
    from notifications.selectors import preference_for

    event = delivery.event
    uid = int(delivery.recipient.removeprefix("user:"))
    user = get_user_model().objects.filter(pk=uid, is_active=True).first()
    if user is None:
        logger.info("notification %s: recipient gone", delivery.pk)
        return
    dossier = event.dossier
    if event.kind in FEEDBACK_KINDS:
        citizen = uid == feedback_sender(event)
    else:
        citizen = dossier is not None and uid in citizens_of(dossier)
    audience = Audience.CITIZEN if citizen else Audience.OFFICIAL
    pref = preference_for(user)
    message = render_message(
        kind=event.kind,
        dossier=dossier,
        user=user,
        audience=audience,
        language=pref.language,
        data=event.data,
    )
    key = delivery_key(delivery)
    if delivery.channel == "inapp":
        services.notification_create(
            key=key,
            user=user,
            kind=event.kind,
            title=message.subject,
            body=message.line,
            link=message.link,
            dossier=dossier,
        )
    elif delivery.channel == "email":
        if user.email:
            channels.send_email_once(
                key=key, user=user, to=user.email, subject=message.subject, body=message.body
            )
    elif delivery.channel == "sms":
        if user.phone:
            channels.send_sms_once(key=key, user=user, phone=user.phone, text=message.sms)
    else:
        raise ValueError(f"unknown channel {delivery.channel}")


class NotifySubscriber(Subscriber):
    name = NAME

    def plan(self, event):
        return plan_event(event)

    def deliver(self, delivery) -> None:
        delivery_send(delivery)


def connect() -> None:
    register(NotifySubscriber())
