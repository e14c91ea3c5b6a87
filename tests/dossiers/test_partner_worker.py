"""The national portal's push through real Celery workers on the real Redis, against a
receiver on loopback that fails every third request: every change arrives exactly once,
in order per dossier, signed; an API client's subscription whose receiver is down
meanwhile holds nothing back."""

import pytest

from api import clients, webhooks
from api.constants import Scope
from dossiers import services
from dossiers.constants import DeliveryStatus
from dossiers.models import OutboxDelivery
from tests.dossiers.factories import World
from tests.dossiers.partner_receiver import SECRET, Receiver, serving
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EXPECTED = [
    "newly_registered",
    "received",
    "in_progress",
    "supplement_requested",
    "in_progress",  # supplemented; proposing keeps "in progress" and sends nothing
    "finished",
    "result_returned",
]


def walk(world, dossier):
    pk = dossier.pk
    services.dossier_submit(dossier_id=pk, actor=world.applicant)
    services.dossier_receive(dossier_id=pk, actor=world.receptionist)
    services.dossier_assign(dossier_id=pk, actor=world.receptionist, assignee=world.specialist)
    services.dossier_request_supplement(dossier_id=pk, actor=world.specialist, note="Thiếu giấy")
    services.dossier_supplement(dossier_id=pk, actor=world.applicant, note="Đã bổ sung")
    services.dossier_propose(dossier_id=pk, actor=world.specialist)
    services.dossier_approve(dossier_id=pk, actor=world.leader)
    services.dossier_return_result(dossier_id=pk, actor=world.receptionist)


def test_every_change_arrives_once_in_order_per_dossier(settings, celery_worker_factory):
    receiver = Receiver(fail_every=3)
    with serving(receiver) as url:
        settings.PARTNER_SYNC_URL, settings.PARTNER_SYNC_SECRET = url, SECRET
        webhooks.national_portal_sync()  # as `migrate` does
        env = {
            "PARTNER_SYNC_URL": url,
            "PARTNER_SYNC_SECRET": SECRET,
            "OUTBOX_RETRY_BASE_SECONDS": "0.2",
            "OUTBOX_RETRY_MAX_SECONDS": "1",
            "OUTBOX_NOT_YET_SECONDS": "0.2",
        }
        # Two workers on one queue: they compete for the same rows.
        celery_worker_factory(database=True, env=env)
        celery_worker_factory(database=True, env=env)
        world = World()
        # Another subscriber of the same dossiers, whose receiver never answers.
        down = clients.api_client_create(
            name="Hệ thống chuyên ngành", agencies=[world.agency], scopes=[Scope.DOSSIERS_READ]
        )
        dead = webhooks.webhook_subscribe(client=down.client, url="http://127.0.0.1:9/hook")
        dossiers = [world.complete_draft() for _ in range(3)]
        for dossier in dossiers:
            walk(world, dossier)

        def all_sent():
            rows = OutboxDelivery.objects.filter(subscriber="partner", recipient="national-portal")
            return rows.count() == 21 and not rows.exclude(status=DeliveryStatus.SENT).exists()

        wait_for(all_sent, timeout=90, interval=0.3)

    failing = OutboxDelivery.objects.filter(recipient=dead.recipient)
    assert failing.count() == 3 * 8  # every change of status: planned for it too
    assert not failing.filter(status=DeliveryStatus.SENT).exists()
    assert "ConnectionError" in failing.exclude(attempts=0).first().last_error
    codes = [type(d).objects.get(pk=d.pk).code for d in dossiers]
    assert receiver.by_dossier() == dict.fromkeys(codes, EXPECTED)
    assert receiver.failed >= 7, "the receiver did not fail as often as it should"
    assert receiver.bad_signatures == 0
    # Dedupe by key is allowed on the receiver side, but there was nothing to dedupe.
    assert receiver.duplicates == 0
    first = receiver.accepted[0]["data"]
    assert first["procedure_code"] == world.procedure.code
    assert first["agency_code"] == world.agency.code
    assert first["dates"]["submitted_at"]
