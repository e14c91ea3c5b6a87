"""The national portal's status push (a webhook subscription of the operators, set up
from PARTNER_SYNC_URL) in one process, against a loopback receiver: what is planned,
the signed payload, retries, order per dossier, and the workbench line."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from api import webhooks
from dossiers import outbox, partner, services
from dossiers.constants import DeliveryStatus, EventKind, Status
from dossiers.models import OutboxDelivery
from tests.dossiers.partner_receiver import SECRET, Receiver, serving
from tests.helpers import force_login_verified

# Forms are issued along the way but not read here: not laid out as PDF (fake_pdf).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


@pytest.fixture(autouse=True)
def no_kicks(monkeypatch):
    monkeypatch.setattr(outbox, "dispatch_soon", lambda *a, **kw: None)


def portal_at(settings, url, secret=SECRET):
    """PARTNER_SYNC_* set, and the subscription made from them as `migrate` does."""
    settings.PARTNER_SYNC_URL, settings.PARTNER_SYNC_SECRET = url, secret
    return webhooks.national_portal_sync()


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    with serving(receiver) as url:
        portal_at(settings, url)
        yield receiver


def partner_rows():
    return OutboxDelivery.objects.filter(
        subscriber=partner.NAME, recipient=partner.RECIPIENT
    ).order_by("event_id")


def test_off_while_the_url_is_empty(world, settings):
    settings.PARTNER_SYNC_URL = ""
    world.dossier_in(Status.PROCESSING)
    outbox.fan_out()
    assert not partner_rows().exists()


def test_the_settings_make_one_subscription_and_keep_it_in_line(settings):
    first = portal_at(settings, "http://127.0.0.1:9/a")
    again = portal_at(settings, "http://127.0.0.1:9/b", secret="another-agreed-secret")
    assert first.pk == again.pk and again.recipient == partner.RECIPIENT
    assert (again.url, again.secret, again.client) == (
        "http://127.0.0.1:9/b",
        "another-agreed-secret",
        None,
    )
    assert again.national_status_only and again.events == ["dossier.status_changed"]
    settings.PARTNER_SYNC_URL = ""
    assert webhooks.national_portal_sync() is None


def test_only_changes_of_the_national_status_are_pushed(world, settings):
    portal_at(settings, "http://127.0.0.1:9/unused")
    world.dossier_in(Status.RETURNED)
    outbox.fan_out()
    assert [d.event.kind for d in partner_rows()] == [
        EventKind.SUBMITTED,
        EventKind.RECEIVED,
        EventKind.ASSIGNED,
        # proposed: in progress -> in progress, nothing to tell the portal
        EventKind.RESULT_READY,
        EventKind.RETURNED,
    ]


def test_the_payload_is_signed_and_carries_the_idempotency_key(world, receiver):
    dossier = world.dossier_in(Status.RECEIVED)
    outbox.sweep()  # counts the "notify" subscriber's deliveries too
    first, second = (item["data"] for item in receiver.accepted)
    delivery = partner_rows().first()
    assert receiver.headers[0]["Idempotency-Key"] == delivery.idempotency_key
    assert receiver.headers[0]["X-MotCua-Event-Id"] == str(delivery.event_id)
    assert receiver.headers[0]["X-MotCua-Signature"].startswith("v1=")
    assert receiver.bad_signatures == 0
    assert receiver.accepted[0]["type"] == "dossier.status_changed"
    assert first["code"] == dossier.code
    assert (first["national_status"], first["status"]) == ("newly_registered", "submitted")
    assert (second["national_status"], second["event"]) == ("received", "received")
    assert first["procedure_code"] == world.procedure.code
    assert first["agency_code"] == first["competent_agency_code"] == world.agency.code
    assert second["dates"]["received_at"] == dossier.received_at.isoformat()
    assert second["dates"]["due_at"] == dossier.due_at.isoformat()
    # Filed at the portal, not through the API: no external id.
    assert first["external_id"] is None


def test_a_receiver_with_another_secret_rejects_and_it_is_retried(world, settings):
    receiver = Receiver(secret="not-the-same")
    with serving(receiver) as url:
        portal_at(settings, url)
        world.dossier_in(Status.SUBMITTED)
        outbox.sweep()
    delivery = partner_rows().get()
    assert receiver.bad_signatures == 1 and receiver.accepted == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error.startswith("HTTPError: 401")


def test_order_per_dossier_waits_for_an_earlier_change_until_it_is_sent_or_failed(
    world, receiver, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    receiver.fail_every = 1  # the portal is down
    dossier = world.dossier_in(Status.RECEIVED)
    other = world.dossier_in(Status.SUBMITTED)
    outbox.fan_out()
    OutboxDelivery.objects.exclude(subscriber=partner.NAME).delete()  # the notifications
    first, second, third = partner_rows()
    OutboxDelivery.objects.update(next_attempt_at=first.next_attempt_at)
    # The second change of `dossier` is due, but the first is not sent: it waits.
    outbox.deliver_one(event_id=second.event_id)
    second.refresh_from_db()
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)
    assert second.last_error.startswith("waiting: after event")
    # The first is tried with backoff, then given up on.
    OutboxDelivery.objects.filter(pk=first.pk).update(next_attempt_at=first.created_at)
    outbox.deliver_one(event_id=first.event_id)
    first.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert first.next_attempt_at > timezone.now() and first.last_error.startswith("HTTPError: 500")
    OutboxDelivery.objects.filter(pk=first.pk).update(next_attempt_at=first.created_at)
    outbox.deliver_one(event_id=first.event_id)
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    # Given up on, it no longer holds the second back; the portal is back.
    receiver.fail_every = 0
    OutboxDelivery.objects.filter(pk=second.pk).update(next_attempt_at=first.created_at)
    outbox.deliver_one(event_id=second.event_id)
    outbox.deliver_one(event_id=third.event_id)
    assert receiver.by_dossier() == {dossier.code: ["received"], other.code: ["newly_registered"]}
    sync = partner.sync_status(dossier)
    assert (sync["pending"], sync["failed"], sync["last_kind"]) == (0, 1, "received")

    # Retried in admin, the failed one arrives late; its id says it came first.
    assert outbox.delivery_retry(delivery_ids=[first.pk]) == 1
    outbox.sweep()
    mine = sorted(
        (p for p in receiver.accepted if p["data"]["code"] == dossier.code), key=lambda p: p["id"]
    )
    assert [p["data"]["national_status"] for p in mine] == ["newly_registered", "received"]
    sync = partner.sync_status(dossier)
    assert (sync["pending"], sync["failed"]) == (0, 0)


def test_the_workbench_shows_the_sync_status(client, world, receiver, settings):
    dossier = world.dossier_in(Status.RECEIVED)
    outbox.sweep()
    services.dossier_assign(
        dossier_id=dossier.pk, actor=world.receptionist, assignee=world.specialist
    )
    outbox.fan_out()
    force_login_verified(client, world.receptionist)
    page = client.get(reverse("backoffice:dossier", kwargs={"ref": dossier.ref}))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="partner-sync"' in html
    fragment = html.split('id="partner-sync"')[1].split("</dd>")[0]
    sent_at = timezone.localtime(partner_rows().first().sent_at)
    with translation.override(settings.LANGUAGE_CODE):
        last = _("last sent: %(event)s, %(time)s") % {
            "event": EventKind.RECEIVED.label,
            "time": f"{sent_at:%d/%m/%Y %H:%M}",
        }
        waiting = _("changes waiting: %(n)s") % {"n": 1}
    assert last in fragment and waiting in fragment


def test_no_sync_line_while_sync_is_off(client, world, settings):
    settings.PARTNER_SYNC_URL = ""
    dossier = world.dossier_in(Status.RECEIVED)
    force_login_verified(client, world.receptionist)
    page = client.get(reverse("backoffice:dossier", kwargs={"ref": dossier.ref}))
    assert page.status_code == 200 and 'id="partner-sync"' not in page.content.decode()


def test_signatures():
    body = b'{"code": "X"}'
    now = 1_800_000_000
    header = webhooks.signature(body, timestamp=now, secret=SECRET)
    assert header.startswith("v1=")

    def check(body=body, timestamp=str(now), header=header, at=now, secret=SECRET):
        return webhooks.verify(
            body, timestamp=timestamp, signature_header=header, secret=secret, now=at, window=300
        )

    assert check()
    assert not check(body=body + b" ")
    assert not check(timestamp=str(now + 1))  # the timestamp is signed too
    assert not check(at=now + 301)  # a replay past the window
    assert not check(header="")
    assert not check(timestamp="soon")
    assert not check(secret="another")


@pytest.mark.django_db(transaction=True)
def test_a_planning_that_commits_mid_check_cannot_be_overtaken(world, receiver):
    """Two workers: one plans a dossier's earlier change while another, holding the
    later change's delivery, checks what must go first. Whatever instant the planning
    commits at, the later change waits."""
    import threading

    from django.db import connection

    dossier = world.dossier_in(Status.RECEIVED)
    events = dict(dossier.outbox_events.values_list("kind", "pk"))
    outbox.fan_out(event_id=events[EventKind.RECEIVED])  # the earlier one was skipped
    later = partner_rows().select_related("event").get(event_id=events[EventKind.RECEIVED])

    def plan_earlier():
        try:
            outbox.fan_out(event_id=events[EventKind.SUBMITTED])
        finally:
            connection.close()

    planned = []

    def commit_the_planning_after_the_first_check(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not planned:
            planned.append(sql)
            worker = threading.Thread(target=plan_earlier)
            worker.start()
            worker.join()
        return result

    with (
        connection.execute_wrapper(commit_the_planning_after_the_first_check),
        pytest.raises(outbox.NotYet),
    ):
        outbox.registered()[partner.NAME].deliver(later)
    assert planned and receiver.accepted == []
    assert partner_rows().count() == 2  # the planning did commit
