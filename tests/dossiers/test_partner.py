"""Partner sync in one process, against a loopback receiver: what is planned, the
signed payload, retries, strict order per dossier, and the workbench line."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    with serving(receiver) as url:
        settings.PARTNER_SYNC_URL, settings.PARTNER_SYNC_SECRET = url, SECRET
        yield receiver


def partner_rows():
    return OutboxDelivery.objects.filter(subscriber=partner.NAME).order_by("event_id")


def test_off_while_the_url_is_empty(world, settings):
    settings.PARTNER_SYNC_URL = ""
    world.dossier_in(Status.PROCESSING)
    outbox.fan_out()
    assert not partner_rows().exists()


def test_only_changes_of_the_national_status_are_pushed(world, settings):
    settings.PARTNER_SYNC_URL = "http://127.0.0.1:9/unused"
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
    first, second = receiver.accepted
    delivery = partner_rows().first()
    assert receiver.headers[0]["Idempotency-Key"] == delivery.idempotency_key
    assert receiver.headers[0]["X-MotCua-Signature"].startswith("sha256=")
    assert receiver.bad_signatures == 0
    assert first["code"] == dossier.code
    assert (first["status"], first["local_status"]) == ("newly_registered", "submitted")
    assert (second["status"], second["event"]) == ("received", "received")
    assert first["procedure_code"] == world.procedure.code
    assert first["agency_code"] == first["competent_agency_code"] == world.agency.code
    assert second["dates"]["received_at"] == dossier.received_at.isoformat()
    assert second["dates"]["due_at"] == dossier.due_at.isoformat()


def test_a_receiver_with_another_secret_rejects_and_it_is_retried(world, settings):
    receiver = Receiver(secret="not-the-same")
    with serving(receiver) as url:
        settings.PARTNER_SYNC_URL, settings.PARTNER_SYNC_SECRET = url, SECRET
        world.dossier_in(Status.SUBMITTED)
        outbox.sweep()
    delivery = partner_rows().get()
    assert receiver.bad_signatures == 1 and receiver.accepted == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error.startswith("HTTPError: 401")


def test_strict_order_per_dossier_even_behind_a_failed_change(world, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    receiver.fail_every = 1  # the portal is down
    dossier = world.dossier_in(Status.RECEIVED)
    other = world.dossier_in(Status.SUBMITTED)
    outbox.fan_out()
    first, second, third = partner_rows()
    OutboxDelivery.objects.update(next_attempt_at=first.next_attempt_at)
    # The second change of `dossier` is due, but the first is not sent: it waits.
    outbox.deliver_one(event_id=second.event_id)
    second.refresh_from_db()
    assert (second.status, second.attempts) == (DeliveryStatus.PENDING, 0)
    assert second.last_error.startswith("waiting: after event")
    # The first fails for good; the second still waits, another dossier does not.
    for _attempt in range(2):
        OutboxDelivery.objects.filter(pk=first.pk).update(next_attempt_at=first.created_at)
        outbox.deliver_one(event_id=first.event_id)
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    receiver.fail_every = 0  # the portal is back
    OutboxDelivery.objects.filter(pk=second.pk).update(next_attempt_at=first.created_at)
    outbox.deliver_one(event_id=second.event_id)
    outbox.deliver_one(event_id=third.event_id)
    assert [p["code"] for p in receiver.accepted] == [other.code]
    sync = partner.sync_status(dossier)
    assert (sync["pending"], sync["failed"], sync["last_sent_at"]) == (1, 1, None)

    # Retrying the failed one in admin makes both due; they go in order.
    assert outbox.delivery_retry(delivery_ids=[first.pk]) == 1
    outbox.sweep()
    assert receiver.by_dossier()[dossier.code] == ["newly_registered", "received"]
    sync = partner.sync_status(dossier)
    assert (sync["pending"], sync["failed"], sync["last_kind"]) == (0, 0, "received")


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
    assert partner.verify(body, partner.sign(body, secret=SECRET), secret=SECRET)
    assert not partner.verify(body + b" ", partner.sign(body, secret=SECRET), secret=SECRET)
    assert not partner.verify(body, "", secret=SECRET)


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
