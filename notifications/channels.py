"""Sending over email (Django's email backend, EMAIL_URL) and SMS (identity.sms).

Each send inserts its ledger row (`SentMessage`, unique key) in the transaction that
sends: a second attempt with the same key waits for the first and then does nothing;
a failed send rolls the row back so the outbox retries it. A worker that dies between
the gateway's acceptance and the commit can still send twice (at least once, never
silently lost); the Message-ID derived from the key lets mail servers drop the copy.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction

from identity.sms import send_sms
from notifications.models import SentMessage


def _claim(*, key: str, channel: str, user, to: str, subject: str = "") -> bool:
    try:
        with transaction.atomic():
            SentMessage.objects.create(
                key=key, channel=channel, user=user, to=to, subject=subject[:300]
            )
    except IntegrityError:
        return False
    return True


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@motcua>"


@transaction.atomic
def send_email_once(*, key: str, user, to: str, subject: str, body: str) -> bool:
    """Send one email unless `key` was sent already. True when it was sent now."""
    if not _claim(key=key, channel="email", user=user, to=to, subject=subject):
        return False
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(key), "X-MotCua-Key": key},
    ).send()
    return True


@transaction.atomic
def send_sms_once(*, key: str, user, phone: str, text: str) -> bool:
    if not _claim(key=key, channel="sms", user=user, to=phone):
        return False
    send_sms(phone=phone, message=text)
    return True
