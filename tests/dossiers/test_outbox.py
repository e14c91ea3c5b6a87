"""The outbox in one process: which events the services write and when, the
dispatcher's bookkeeping (idempotency, backoff, the cap, NotYet) and the admin retry.
The same guarantees through real workers: test_outbox_worker.py."""

import datetime as dt
import time

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossiers import outbox, services
from dossiers.constants import ACTION_EVENTS, Action, DeliveryStatus, EventKind, Status
from dossiers.models import OutboxDelivery, OutboxEvent
from dossiers.workflow import TRANSITIONS
from tests.dossiers.factories import World
from tests.dossiers.outbox_recorder import FileRecorder, lines
from tests.dossiers.test_workflow import CALLS, actor_for, with_a_moment
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory
from tests.workers import broker_at

# Forms are issued along the way but not read here: not laid out as PDF (fake_pdf).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


@pytest.fixture
def kicks(monkeypatch):
    """The dispatches asked for, instead of messages to Redis (no worker here)."""
    asked = []
    monkeypatch.setattr(outbox, "dispatch_soon", lambda event_id=None, **kw: asked.append(event_id))
    return asked


@pytest.fixture
def recorder(tmp_path, monkeypatch):
    path = tmp_path / "record.txt"
    monkeypatch.setenv("OUTBOX_TEST_RECORD", str(path))
    outbox.register(FileRecorder())
    yield path
    outbox.unregister(FileRecorder.name)


def test_every_transition_writes_its_event(world):
    dossier = world.dossier_in(Status.RETURNED)
    events = list(OutboxEvent.objects.filter(dossier=dossier).order_by("pk"))
    assert [e.kind for e in events] == [
        EventKind.SUBMITTED,
        EventKind.RECEIVED,
        EventKind.ASSIGNED,
        EventKind.PROPOSED,
        EventKind.RESULT_READY,
        EventKind.RETURNED,
    ]
    submitted = events[0]
    assert submitted.actor == world.applicant
    assert submitted.data == {
        "action": "submit",
        "from": "draft",
        "to": "submitted",
        "log": dossier.log.get(action="submit").pk,
    }
    assert events[1].actor == world.receptionist


def test_a_message_writes_message_sent(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    message = services.dossier_message_send(
        dossier_id=dossier.pk, actor=world.applicant, body="Cho hỏi tiến độ"
    )
    event = OutboxEvent.objects.filter(dossier=dossier).latest("pk")
    assert (event.kind, event.data) == (
        EventKind.MESSAGE_SENT,
        {"message": message.pk, "from_agency": False},
    )


def test_the_dispatch_is_asked_for_only_after_commit(world, django_capture_on_commit_callbacks):
    dossier = world.complete_draft()
    with django_capture_on_commit_callbacks() as callbacks:
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    event = OutboxEvent.objects.get()
    # (The queue counts' generation bump, dossiers.queues, also waits for the commit.)
    kicks = [
        (c.func, c.args) for c in callbacks if getattr(c, "func", None) is outbox.dispatch_soon
    ]
    assert kicks == [(outbox.dispatch_soon, (event.pk,))]


def test_a_rolled_back_change_leaves_no_event(world, django_capture_on_commit_callbacks):
    dossier = world.complete_draft()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        raise RuntimeError
    assert not OutboxEvent.objects.exists()
    assert callbacks == []


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        outbox.emit("happened")


def test_kick_returns_at_once_when_redis_is_down():
    with broker_at("redis://127.0.0.1:1/0"):
        started = time.monotonic()
        assert outbox.dispatch_soon(1) is False
        assert time.monotonic() - started < 3


def test_a_delivery_is_sent_once(recorder, kicks):
    event = outbox.emit(EventKind.EXPORT_READY, data={"export": 7})
    assert outbox.dispatch(event_id=event.pk) == 1
    assert outbox.dispatch(event_id=event.pk) == 0  # a redelivered task
    assert outbox.sweep() == 0
    assert lines(recorder) == [f"motcua-{event.pk}-test-recorder-user:0-file export_ready"]
    delivery = OutboxDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    # Planning again (a second fan-out) adds nothing: the idempotency key is unique.
    OutboxEvent.objects.update(planned_at=None)
    outbox.fan_out()
    assert OutboxDelivery.objects.count() == 1


def _make_due():
    OutboxDelivery.objects.update(next_attempt_at=timezone.now())


def test_failures_back_off_then_fail_then_admin_retry(recorder, kicks, settings, admin_client):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 10, 15
    settings.OUTBOX_MAX_ATTEMPTS = 3
    recorder.with_suffix(".fail").touch()
    event = outbox.emit(EventKind.EXPORT_READY)
    gaps = []
    for _attempt in range(2):
        before = timezone.now()
        outbox.dispatch(event_id=event.pk)
        delivery = OutboxDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        gaps.append((delivery.next_attempt_at - before).total_seconds())
        _make_due()
    # 10, then 20 capped at 15 (plus the time the dispatch took)
    assert 10 <= gaps[0] < 12 and 15 <= gaps[1] < 17, gaps
    assert delivery.last_error == "ConnectionError: recipient is down"
    outbox.dispatch(event_id=event.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert outbox.sweep() == 0  # failed rows wait for a person

    changelist = reverse("admin:dossiers_outboxdelivery_changelist")
    page = admin_client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200 and f"#{event.pk} export_ready" in page.content.decode()
    recorder.with_suffix(".fail").unlink()
    response = admin_client.post(
        changelist, {"action": "retry", "_selected_action": [delivery.pk]}, follow=True
    )
    with translation.override(settings.LANGUAGE_CODE):
        done = _("Failed deliveries to be retried: %(count)d.") % {"count": 1}
    assert done in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert outbox.dispatch(event_id=event.pk) == 1
    assert len(lines(recorder)) == 1


def test_only_staff_allowed_to_change_deliveries_may_retry(client, recorder, kicks, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    recorder.with_suffix(".fail").touch()
    event = outbox.emit(EventKind.EXPORT_READY)
    outbox.dispatch(event_id=event.pk)
    delivery = OutboxDelivery.objects.get(status=DeliveryStatus.FAILED)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxdelivery"))
    force_login_verified(client, viewer)
    changelist = reverse("admin:dossiers_outboxdelivery_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "retry", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    citizen = UserFactory()
    force_login_verified(client, citizen)
    assert client.get(changelist).status_code == 302  # to the admin login


class Waiting(outbox.Subscriber):
    name = "test-waiting"

    def plan(self, event):
        return [("someone", "later")]

    def deliver(self, delivery):
        raise outbox.NotYet("not before the other one")


def test_not_yet_waits_without_counting_an_attempt(kicks, settings):
    settings.OUTBOX_NOT_YET_SECONDS = 7
    outbox.register(Waiting)
    try:
        event = outbox.emit(EventKind.EXPORT_READY)
        before = timezone.now()
        for _round in range(3):
            _make_due()
            outbox.dispatch(event_id=event.pk)
    finally:
        outbox.unregister(Waiting.name)
    delivery = OutboxDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert delivery.next_attempt_at - before >= dt.timedelta(seconds=7)
    assert delivery.last_error == "waiting: not before the other one"
    assert kicks == [event.pk] * 3  # sooner than the sweep: a dispatch is scheduled


def test_a_delivery_without_its_subscriber_is_retried(kicks):
    outbox.register(Waiting)
    event = outbox.emit(EventKind.EXPORT_READY)
    outbox.fan_out(event_id=event.pk)
    outbox.unregister(Waiting.name)
    outbox.dispatch(event_id=event.pk)
    delivery = OutboxDelivery.objects.get()
    assert delivery.attempts == 1 and "no subscriber" in delivery.last_error


def test_admin_list_has_bounded_queries(admin_client, kicks, django_assert_max_num_queries):
    world = World()
    outbox.register(Waiting)
    try:
        for _round in range(3):
            world.dossier_in(Status.SUBMITTED)
        outbox.sweep()
    finally:
        outbox.unregister(Waiting.name)
    # Other registered subscribers ("notify") plan their own deliveries too.
    assert OutboxDelivery.objects.filter(subscriber=Waiting.name).count() == 3
    changelist = reverse("admin:dossiers_outboxdelivery_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(changelist)
    assert response.status_code == 200
    event_page = reverse("admin:dossiers_outboxevent_change", args=[OutboxEvent.objects.first().pk])
    assert admin_client.get(event_page).status_code == 200


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_each_edge_emits_its_event_once(world, state, action):
    # Built in its state (no event on the way): the edge under test runs the service.
    # An evaluation needs a moment reached, which a dossier filed and not received yet
    # only has after a walk (its events come before `seen`).
    dossier = with_a_moment(world, state) if action == Action.RATE else world.dossier_built(state)
    seen = set(OutboxEvent.objects.values_list("pk", flat=True))
    who, call = actor_for(state, action), CALLS[action][1]
    if action == Action.PAY:
        payment = dossier.payments.get()
        services.payment_mark_paid(
            reference=payment.reference, amount=payment.amount, transaction_id="T1", gateway="t"
        )
    else:
        call(world, dossier.pk, getattr(world, who))
    new = OutboxEvent.objects.exclude(pk__in=seen)
    expected = [ACTION_EVENTS[action]] if action in ACTION_EVENTS else []
    assert [e.kind for e in new] == expected
    for event in new:
        assert (event.dossier, event.data["from"], event.data["to"]) == (
            dossier,
            state,
            TRANSITIONS[(state, action)].target,
        )


def test_a_fee_paid_without_a_state_change_emits_paid():
    world = World(fee=20000)
    dossier = world.dossier_in(Status.SUBMITTED)
    payment = dossier.payments.get()
    services.payment_mark_paid(
        reference=payment.reference, amount=payment.amount, transaction_id="T9", gateway="t"
    )
    event = OutboxEvent.objects.filter(dossier=dossier).latest("pk")
    assert (event.kind, event.data) == (EventKind.PAID, {"payment": payment.reference})


def _event_with(*statuses, days_old, planned=True):
    """An event written `days_old` days ago with one delivery per status given."""
    now = timezone.now()
    event = OutboxEvent.objects.create(
        kind=EventKind.EXPORT_READY,
        created_at=now - dt.timedelta(days=days_old),
        planned_at=now if planned else None,
    )
    for n, status in enumerate(statuses):
        OutboxDelivery.objects.create(
            event=event, subscriber="test", recipient=f"user:{n}", channel="file", status=status
        )
    return event


@pytest.mark.parametrize("batch", [1, 5_000])
def test_the_nightly_purge_drops_old_delivered_events_only(settings, batch):
    settings.OUTBOX_KEEP_DAYS = 30
    sent, failed, pending = DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING
    gone = [
        _event_with(sent, sent, days_old=40),
        _event_with(days_old=31),
        _event_with(sent, days_old=90),
    ]
    kept = [
        _event_with(sent, days_old=10),  # recent
        _event_with(sent, failed, days_old=40),  # waits for an administrator
        _event_with(pending, days_old=40),  # still being retried
        _event_with(days_old=40, planned=False),  # not fanned out yet
    ]
    assert outbox.purge_delivered(batch=batch) == 3
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not OutboxDelivery.objects.filter(event__in=[e.pk for e in gone]).exists()
    assert OutboxDelivery.objects.count() == 4  # the kept events' own
    assert outbox.purge_delivered(batch=batch) == 0  # nothing left to do


def test_the_purge_is_on_the_beat_schedule():
    import dossiers.tasks  # noqa: F401 - registers the shared tasks
    from config.celery import app

    entry = app.conf.beat_schedule["outbox-purge"]
    assert entry["task"] == "dossiers.outbox_purge"
    assert app.tasks[entry["task"]]  # registered under that name
