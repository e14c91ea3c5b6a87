"""Signed webhooks: API clients (and the operators, for the national portal) subscribe a
URL and a secret, and every change of a dossier within their agencies is POSTed there
through the outbox (`dossiers.outbox`): after the change commits, retried with backoff,
in order per dossier and subscription.

One outbox subscriber (`partner`) plans one delivery per event and subscription that
covers the dossier: the subscription's client holds `dossiers:read` and one of its
agencies received or decides the dossier (or the client filed it); a subscription
without a client covers every dossier. A delivery waits (NotYet) while an earlier
event of the same dossier for the same subscription is still pending; one that failed
for good (after OUTBOX_MAX_ATTEMPTS) no longer holds the later ones, so a receiver
that was down gets the rest once it is back, and orders by `id` what an admin retry
sends late.

Each request carries

    X-MotCua-Event-Id: <event id>          the same on every retry: deduplicate on it
    X-MotCua-Event: dossier.status_changed
    X-MotCua-Timestamp: <unix seconds>     when this attempt was signed
    X-MotCua-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>
    Idempotency-Key: motcua-<event>-partner-<recipient>-webhook

and the receiver refuses a timestamp older than WEBHOOK_REPLAY_WINDOW_SECONDS (docs:
integrations.md, "Webhooks"). Any answer but 2xx (redirects included), or none within
WEBHOOK_TIMEOUT, is a failed attempt.

A URL must be http(s); unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES, every address its host
resolves to must be public, checked when subscribing and again before each call (the
name may resolve elsewhere later).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from api.constants import Scope
from api.models import ApiClient, ApiIntake
from api.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from dossiers import partner
from dossiers.constants import DeliveryStatus
from dossiers.models import Dossier, IssuedDocument, OutboxDelivery, OutboxEvent
from dossiers.outbox import NotYet, Subscriber

logger = logging.getLogger(__name__)

NAME = partner.NAME
CHANNEL = "webhook"
NATIONAL_PORTAL = partner.RECIPIENT

EVENT_ID_HEADER = "X-MotCua-Event-Id"
EVENT_TYPE_HEADER = "X-MotCua-Event"
TIMESTAMP_HEADER = "X-MotCua-Timestamp"
SIGNATURE_HEADER = "X-MotCua-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_VERSION = "v1"
SECRET_MIN_LENGTH = 24


# --- signing -------------------------------------------------------------------------


def signature(body: bytes, *, timestamp: int | str, secret: str) -> str:
    """The signature header's value: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify(
    body: bytes,
    *,
    timestamp: str | None,
    signature_header: str | None,
    secret: str,
    now: float | None = None,
    window: int | None = None,
) -> bool:
    """What a receiver checks (our tests use it as one): a timestamp within the replay
    window and a matching v1 signature, compared in constant time."""
    window = settings.WEBHOOK_REPLAY_WINDOW_SECONDS if window is None else window
    try:
        sent = int(timestamp or "")
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > window:
        return False
    expected = signature(body, timestamp=sent, secret=secret)
    return hmac.compare_digest(expected, (signature_header or "").strip())


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


# --- addresses (SSRF) ----------------------------------------------------------------


class UnsafeUrl(ValueError):
    pass


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Raise UnsafeUrl unless `url` is http(s) with a host, no credentials, and (unless
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES) a host whose every address is public."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(_("Not a valid URL.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl(_("Only http:// and https:// URLs with a host can receive webhooks."))
    if parts.username or parts.password:
        raise UnsafeUrl(_("Put no user name or password in the URL; the signature is the proof."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(_("The host name of the URL does not resolve.")) from None
    if not found or not all(_public(info[4][0]) for info in found):
        raise UnsafeUrl(
            _("The URL leads to a private, loopback or reserved address, which is not allowed.")
        )


# --- subscriptions ---------------------------------------------------------------------


def webhook_clean(url: str, secret: str, events) -> tuple[str, str, list[str]]:
    """The checked URL, the secret (or a new one) and the events; ValidationError by
    field otherwise."""
    errors = {}
    url = (url or "").strip()
    if len(url) > 500:
        errors["url"] = [_("The URL is longer than 500 characters.")]
    else:
        try:
            url_check(url)
        except UnsafeUrl as error:
            errors["url"] = [str(error)]
    secret = (secret or "").strip()
    if secret and not SECRET_MIN_LENGTH <= len(secret) <= 200:
        errors["secret"] = [
            _("A secret has %(min)s to 200 characters; leave it out to get one generated.")
            % {"min": SECRET_MIN_LENGTH}
        ]
    events = list(dict.fromkeys(events or [WebhookEvent.STATUS_CHANGED]))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        errors["events"] = [_("Unknown event: %s") % ", ".join(map(str, unknown))]
    if errors:
        raise ValidationError(errors)
    return url, secret or new_secret(), events


@transaction.atomic
def webhook_subscribe(
    *, client: ApiClient, url: str, secret: str = "", events=None, description: str = ""
) -> WebhookSubscription:
    """(nothing) -> an active subscription of `client`. The secret is the client's, or
    a new one when none is given (the caller shows it once). Raises ValidationError (by
    field) on a refused URL, a short secret, an unknown event, or too many
    subscriptions."""
    url, secret, events = webhook_clean(url, secret, events)
    # The client's row serialises its concurrent subscribe calls for the count below.
    ApiClient.objects.select_for_update().filter(pk=client.pk).first()
    held = WebhookSubscription.objects.filter(client=client, deleted_at=None).count()
    if held >= settings.WEBHOOK_MAX_PER_CLIENT:
        raise ValidationError(
            {
                "url": [
                    _("This client already has %(n)s subscriptions; delete one first.")
                    % {"n": held}
                ]
            }
        )
    subscription = WebhookSubscription(
        client=client, url=url, secret=secret, events=events, description=description[:200]
    )
    subscription.recipient = f"hook-{subscription.ref}"
    subscription.save()
    return subscription


@transaction.atomic
def webhook_update(
    *,
    subscription: WebhookSubscription,
    url: str,
    secret: str = "",
    events=None,
    national_status_only: bool = False,
    description: str = "",
) -> WebhookSubscription:
    """An active subscription changed (Django admin): the same checks as subscribing; an
    empty secret keeps the current one."""
    url, new, events = webhook_clean(url, secret, events)
    subscription.url, subscription.events = url, events
    subscription.secret = new if secret else subscription.secret
    subscription.national_status_only = national_status_only
    subscription.description = description[:200]
    subscription.save()
    return subscription


@transaction.atomic
def webhook_operators_subscribe(
    *, url: str, secret: str = "", events=None, national_status_only=False, description=""
) -> WebhookSubscription:
    """(nothing) -> a subscription of the operators (no client): every dossier's events."""
    url, secret, events = webhook_clean(url, secret, events)
    subscription = WebhookSubscription(
        client=None,
        url=url,
        secret=secret,
        events=events,
        national_status_only=national_status_only,
        description=description[:200],
    )
    subscription.recipient = f"hook-{subscription.ref}"
    subscription.save()
    return subscription


@transaction.atomic
def webhook_delete(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """Active -> deleted: nothing more is planned for it, and what was still waiting
    (pending or failed) is dropped; what was sent stays in its history."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.deleted_at is None:
        subscription.deleted_at = timezone.now()
        subscription.save(update_fields=["deleted_at"])
        OutboxDelivery.objects.filter(subscriber=NAME, recipient=subscription.recipient).exclude(
            status=DeliveryStatus.SENT
        ).delete()
    return subscription


@transaction.atomic
def national_portal_sync() -> WebhookSubscription | None:
    """The national portal's subscription as PARTNER_SYNC_URL and PARTNER_SYNC_SECRET
    say: created or brought in line (every dossier, status changes on the national list
    only). Nothing while the URL is empty. Raises ValidationError on a refused URL."""
    if not settings.PARTNER_SYNC_URL:
        return None
    if not settings.PARTNER_SYNC_SECRET:
        raise ValidationError({"secret": [_("Set PARTNER_SYNC_SECRET as well.")]})
    # The portal's secret is whatever was agreed with it: no length rule here.
    url, _generated, events = webhook_clean(
        settings.PARTNER_SYNC_URL, "", [WebhookEvent.STATUS_CHANGED]
    )
    subscription, _created = WebhookSubscription.objects.update_or_create(
        recipient=NATIONAL_PORTAL,
        defaults={
            "client": None,
            "url": url,
            "secret": settings.PARTNER_SYNC_SECRET,
            "events": events,
            "national_status_only": True,
            "description": "Cổng dịch vụ công quốc gia (PARTNER_SYNC_URL)",
            "deleted_at": None,
        },
    )
    return subscription


def subscriptions_for_client(client: ApiClient):
    return WebhookSubscription.objects.filter(client=client, deleted_at=None).order_by(
        "created_at", "pk"
    )


def deliveries_for_client(client: ApiClient, *, subscription: WebhookSubscription | None = None):
    """The client's deliveries (of its subscriptions, deleted ones included), newest
    first; one index range scan per subscription (`outbox_recipient`)."""
    recipients = (
        [subscription.recipient]
        if subscription is not None
        else list(
            WebhookSubscription.objects.filter(client=client).values_list("recipient", flat=True)
        )
    )
    return (
        WebhookDelivery.objects.filter(recipient__in=recipients)
        .select_related("event__dossier")
        .order_by("-pk")
    )


# --- what is sent -----------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def event_type(event: OutboxEvent) -> str | None:
    """The webhook event an outbox event is, if any: a change of status, or a standard
    form issued by an action that kept the status (the apology, form 04)."""
    if event.dossier_id is None:
        return None
    before, after = event.data.get("from"), event.data.get("to")
    if after and before != after:
        return WebhookEvent.STATUS_CHANGED
    log_id = event.data.get("log")
    if log_id and IssuedDocument.objects.filter(log_id=log_id).exists():
        return WebhookEvent.FORM_ISSUED
    return None


def payload(event: OutboxEvent, subscription: WebhookSubscription) -> dict:
    """The body: the event's id and type, when it happened, and the dossier in the state
    the change led to (not today's state, which may be later)."""
    dossier = event.dossier
    status = event.data.get("to") or dossier.status
    intake = ApiIntake.objects.filter(dossier=dossier).values("client_id", "external_id").first()
    # A client's own id for a dossier is for that client (and the operators) only.
    external_id = None
    if intake and subscription.client_id in (None, intake["client_id"]):
        external_id = intake["external_id"]
    key = dossier.code or str(dossier.ref)
    issued = []
    log_id = event.data.get("log")
    if log_id:
        for document in IssuedDocument.objects.filter(log_id=log_id):
            issued.append(
                {
                    "form": document.form,
                    "issued_at": _iso(document.issued_at),
                    "status": document.state,
                    "sha256": document.sha256 or None,
                    "download_url": (
                        settings.SITE_URL.rstrip("/")
                        + reverse(
                            "api:dossier-issued-file", kwargs={"code": key, "pk": document.pk}
                        )
                    )
                    if document.file
                    else None,
                }
            )
    return {
        "id": event.pk,
        "type": event_type(event),
        "occurred_at": _iso(event.created_at),
        "data": {
            "code": dossier.code,
            "external_id": external_id,
            "status": status,
            "previous_status": event.data.get("from"),
            "national_status": partner.NATIONAL_STATUS.get(status),
            "event": event.kind,
            "action": event.data.get("action"),
            "procedure_code": dossier.version.procedure.code,
            "agency_code": dossier.receiving_agency.code,
            "competent_agency_code": dossier.competent_agency.code,
            "dates": {
                "submitted_at": _iso(dossier.submitted_at),
                "received_at": _iso(dossier.received_at),
                "due_at": _iso(dossier.due_at),
                "finished_at": _iso(dossier.finished_at),
            },
            "issued_documents": issued,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("api:dossier-detail", kwargs={"code": key}),
        },
    }


def send(subscription: WebhookSubscription, event: OutboxEvent, *, idempotency_key: str) -> None:
    """POST the signed event to the subscription's URL; raise on anything but a 2xx."""
    url_check(subscription.url)  # the name may resolve elsewhere since subscribing
    body = json.dumps(payload(event, subscription), ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(time.time())
    response = requests.post(
        subscription.url,
        data=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "MotCua-Webhooks/1",
            EVENT_ID_HEADER: str(event.pk),
            EVENT_TYPE_HEADER: event_type(event) or "",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(body, timestamp=timestamp, secret=subscription.secret),
            IDEMPOTENCY_HEADER: idempotency_key,
        },
        timeout=settings.WEBHOOK_TIMEOUT,
        # A redirect could lead anywhere, a private address included: it is a failure.
        allow_redirects=False,
        # The answer's body is not ours to store: at most its first kilobyte is read,
        # whatever the receiver sends.
        stream=True,
    )
    with response:
        if not 200 <= response.status_code < 300:
            start = response.raw.read(1024, decode_content=True) or b""
            text = start.decode(response.encoding or "utf-8", errors="replace")
            raise requests.HTTPError(f"{response.status_code}: {text[:200]}")


# --- the outbox subscriber ----------------------------------------------------------------


class WebhookSubscriber(Subscriber):
    name = NAME

    def plan(self, event):
        kind = event_type(event)
        if kind is None:
            return ()
        dossier = (
            Dossier.objects.filter(pk=event.dossier_id)
            .values("receiving_agency_id", "competent_agency_id")
            .first()
        )
        if dossier is None:
            return ()
        agencies = {dossier["receiving_agency_id"], dossier["competent_agency_id"]}
        client = OuterRef("client_id")
        covers = Exists(
            ApiClient.agencies.through.objects.filter(apiclient_id=client, agency_id__in=agencies)
        ) | Exists(ApiIntake.objects.filter(client_id=client, dossier_id=event.dossier_id))
        rows = (
            WebhookSubscription.objects.filter(deleted_at=None, events__contains=[kind])
            .filter(
                Q(client=None)
                | (
                    Q(client__revoked_at=None, client__scopes__contains=[Scope.DOSSIERS_READ])
                    & covers
                )
            )
            .values_list("recipient", "national_status_only")
        )
        national_change = kind == WebhookEvent.STATUS_CHANGED and partner.national_change(
            event.data.get("from"), event.data.get("to")
        )
        return [
            (recipient, CHANNEL) for recipient, national in rows if not national or national_change
        ]

    def deliver(self, delivery):
        event = delivery.event
        # An earlier event of the dossier not fanned out yet (another worker is planning
        # it right now) would otherwise be overtaken. Asked first: an event is planned
        # in the same transaction that writes its deliveries, so once this statement
        # sees it planned, the next one (a new snapshot, READ COMMITTED) sees them.
        if OutboxEvent.objects.filter(
            dossier_id=event.dossier_id, pk__lt=event.pk, planned_at=None
        ).exists():
            raise NotYet("an earlier event is being planned")
        waiting = (
            OutboxDelivery.objects.filter(
                subscriber=NAME,
                recipient=delivery.recipient,
                event__dossier_id=event.dossier_id,
                event_id__lt=event.pk,
                status=DeliveryStatus.PENDING,
            )
            .order_by("event_id")
            .values("event_id", "next_attempt_at")
            .first()
        )
        if waiting is not None:
            raise NotYet(f"after event {waiting['event_id']}", retry_at=waiting["next_attempt_at"])
        log_id = event.data.get("log")
        if log_id and any(
            d.state == "pending" for d in IssuedDocument.objects.filter(log_id=log_id)
        ):
            # The form's PDF is written by a worker right after the action: the
            # payload gives its SHA-256 and a link that works.
            raise NotYet("the issued form's PDF is being written")
        subscription = WebhookSubscription.objects.filter(
            recipient=delivery.recipient, deleted_at=None
        ).first()
        if subscription is None:
            raise LookupError("the subscription was deleted")
        event = OutboxEvent.objects.select_related(
            "dossier__version__procedure",
            "dossier__receiving_agency",
            "dossier__competent_agency",
        ).get(pk=event.pk)
        send(subscription, event, idempotency_key=delivery.idempotency_key)
