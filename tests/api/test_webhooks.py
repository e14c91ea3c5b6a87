"""Webhook subscriptions through the API: scoped to the client, URLs refused when they
could reach inside the network, only clients whose agencies cover a dossier hear of
it, and failures (500, down, slow, redirect) retried with backoff and recorded where
the client and its admin can see them, without holding other dossiers back."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import clients, webhooks
from api.constants import Scope
from api.models import WebhookSubscription
from dossiers import outbox, partner
from dossiers.constants import DeliveryStatus, Status
from dossiers.models import OutboxDelivery
from tests.api.conftest import bearer
from tests.dossiers.factories import World
from tests.dossiers.partner_receiver import Receiver, serving
from tests.helpers import force_login_verified
from tests.procedures.factories import AgencyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]

HOOKS = "/api/v1/webhooks/"
SECRET = "a-receiver-secret-of-enough-length"


@pytest.fixture(autouse=True)
def no_kicks(monkeypatch):
    monkeypatch.setattr(outbox, "dispatch_soon", lambda *a, **kw: None)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def reader(world, make_client):
    return make_client([world.agency], scopes=[Scope.DOSSIERS_READ])


def subscribe(api, key, **data):
    return api.post(HOOKS, data, content_type="application/json", **bearer(key))


def hook_rows(subscription):
    return OutboxDelivery.objects.filter(
        subscriber=partner.NAME, recipient=subscription.recipient
    ).order_by("event_id")


def test_subscribe_list_and_delete_are_the_clients_own(api, world, reader, make_client):
    made = subscribe(api, reader.key, url="https://8.8.8.8/hook", description="Đồng bộ")
    assert made.status_code == 201, made.content
    got = made.json()
    assert got["secret"].startswith("whsec_") and got["events"] == ["dossier.status_changed"]
    assert made["Location"].endswith(f"/webhooks/{got['id']}/")
    mine = subscribe(api, reader.key, url="https://8.8.4.4/b", secret=SECRET)
    assert mine.json()["secret"] == SECRET

    listed = api.get(HOOKS, **bearer(reader.key)).json()["results"]
    assert [s["id"] for s in listed] == [got["id"], mine.json()["id"]]
    assert all("secret" not in s for s in listed)
    one = api.get(f"{HOOKS}{got['id']}/", **bearer(reader.key))
    assert one.status_code == 200 and "secret" not in one.json()

    other = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_READ])
    assert api.get(HOOKS, **bearer(other.key)).json()["results"] == []
    assert api.get(f"{HOOKS}{got['id']}/", **bearer(other.key)).status_code == 404
    assert api.delete(f"{HOOKS}{got['id']}/", **bearer(other.key)).status_code == 404

    assert api.delete(f"{HOOKS}{got['id']}/", **bearer(reader.key)).status_code == 204
    assert api.get(f"{HOOKS}{got['id']}/", **bearer(reader.key)).status_code == 404
    assert [s["id"] for s in api.get(HOOKS, **bearer(reader.key)).json()["results"]] == [
        mine.json()["id"]
    ]


def test_subscribing_needs_a_key_and_the_read_scope(api, world, make_client):
    assert subscribe(api, "mck_nope_nope", url="https://8.8.8.8/").status_code == 401
    writer = make_client([world.agency], scopes=[Scope.DOSSIERS_WRITE])
    refused = subscribe(api, writer.key, url="https://8.8.8.8/")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://8.8.8.8/hook",
        "not a url",
        "https://user:pw@8.8.8.8/",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_urls_that_could_reach_inside_are_refused(api, reader, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    refused = subscribe(api, reader.key, url=url)
    assert refused.status_code == 422, refused.content
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/url"]
    assert not WebhookSubscription.objects.exists()


def test_private_addresses_when_the_setting_allows_them(api, reader, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert subscribe(api, reader.key, url="http://10.1.2.3/hook").status_code == 201
    # Only http(s) whatever the setting.
    assert subscribe(api, reader.key, url="file:///etc/passwd").status_code == 422


@pytest.mark.parametrize(
    ("data", "pointer"),
    [
        ({"url": "https://8.8.8.8/", "secret": "short"}, "/secret"),
        ({"url": "https://8.8.8.8/", "events": ["dossier.deleted"]}, "/events/0"),
        ({}, "/url"),
    ],
)
def test_invalid_subscriptions_are_422(api, reader, data, pointer):
    refused = subscribe(api, reader.key, **data)
    assert refused.status_code == 422
    assert pointer in [e["pointer"] for e in refused.json()["errors"]]


def test_a_client_holds_a_bounded_number_of_subscriptions(api, reader, settings):
    settings.WEBHOOK_MAX_PER_CLIENT = 2
    for _ in range(2):
        assert subscribe(api, reader.key, url="https://8.8.8.8/").status_code == 201
    refused = subscribe(api, reader.key, url="https://8.8.8.8/")
    assert refused.status_code == 422 and "2" in refused.json()["errors"][0]["message"]


def test_only_clients_whose_agencies_cover_the_dossier_hear_of_it(world, make_client):
    mine = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    elsewhere = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_READ])
    no_scope = make_client([world.agency], scopes=[Scope.CATALOGUE_READ])
    revoked = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    subs = {
        name: webhooks.webhook_subscribe(client=c.client, url="https://8.8.8.8/")
        for name, c in {
            "mine": mine,
            "elsewhere": elsewhere,
            "no_scope": no_scope,
            "revoked": revoked,
        }.items()
    }
    clients.api_client_revoke(client=revoked.client)
    gone = webhooks.webhook_subscribe(client=mine.client, url="https://8.8.4.4/")
    webhooks.webhook_delete(subscription=gone)
    world.dossier_in(Status.RECEIVED)
    outbox.fan_out()
    assert hook_rows(subs["mine"]).count() == 2  # submitted, received
    for name in ("elsewhere", "no_scope", "revoked"):
        assert not hook_rows(subs[name]).exists(), name
    assert not hook_rows(gone).exists()


def test_a_failing_receiver_is_retried_with_backoff_and_does_not_hold_others(
    api, world, reader, settings
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.WEBHOOK_TIMEOUT = 0.5
    receiver = Receiver(secret=SECRET)
    with serving(receiver) as url:
        subscription = webhooks.webhook_subscribe(client=reader.client, url=url, secret=SECRET)
        stuck = world.dossier_in(Status.SUBMITTED)
        outbox.fan_out()
        first = hook_rows(subscription).get()

        receiver.answer = 500
        before = timezone.now()
        outbox.deliver_due()
        first.refresh_from_db()
        assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
        assert first.last_error.startswith("HTTPError: 500")
        assert first.next_attempt_at >= before + dt.timedelta(seconds=29)

        # Slow: no answer within WEBHOOK_TIMEOUT is a failed attempt, backoff doubles.
        receiver.answer, receiver.delay = 0, 2.0
        OutboxDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        outbox.deliver_one(event_id=first.event_id)
        first.refresh_from_db()
        assert first.attempts == 2 and "Timeout" in first.last_error
        assert first.next_attempt_at >= before + dt.timedelta(seconds=59)

        # Meanwhile another dossier goes through.
        receiver.delay = 0
        other = world.dossier_in(Status.SUBMITTED)
        outbox.fan_out()
        outbox.deliver_due()
        assert [p["data"]["code"] for p in receiver.accepted] == [other.code]

        # A redirect is a failure too (it could lead anywhere).
        receiver.answer = 302
        OutboxDelivery.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
        outbox.deliver_one(event_id=first.event_id)
        first.refresh_from_db()
        assert first.status == DeliveryStatus.FAILED and first.last_error.startswith(
            "HTTPError: 302"
        )

    # The receiver is down: the connection is refused, the attempt recorded.
    from dossiers import services

    services.dossier_receive(dossier_id=stuck.pk, actor=world.receptionist)
    outbox.fan_out()
    outbox.deliver_due()
    down = hook_rows(subscription).filter(event__dossier=stuck).last()
    assert down.attempts == 1 and "ConnectionError" in down.last_error

    # The client sees its deliveries, newest first, with the failures and next tries.
    listed = api.get(f"{HOOKS}deliveries/", **bearer(reader.key)).json()
    rows = {r["id"]: r for r in listed["results"]}
    assert rows[first.pk]["status"] == "failed" and rows[first.pk]["attempts"] == 3
    assert rows[first.pk]["next_attempt_at"] is None
    assert rows[down.pk]["status"] == "pending" and rows[down.pk]["next_attempt_at"]
    assert rows[down.pk]["subscription"] == str(subscription.ref)
    failed = api.get(f"{HOOKS}deliveries/?status=failed", **bearer(reader.key)).json()
    assert [r["id"] for r in failed["results"]] == [first.pk]


def test_a_name_that_resolves_inside_later_is_refused_at_delivery(world, reader, settings):
    subscription = webhooks.webhook_subscribe(client=reader.client, url="http://127.0.0.1:9/")
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    world.dossier_in(Status.SUBMITTED)
    outbox.sweep()
    row = hook_rows(subscription).get()
    assert row.attempts == 1 and row.last_error.startswith("UnsafeUrl")


def test_deliveries_are_paged_and_scoped(api, world, reader, make_client):
    subscription = webhooks.webhook_subscribe(client=reader.client, url="http://127.0.0.1:9/")
    world.dossier_in(Status.PROCESSING)  # submitted, received, assigned: three events
    outbox.fan_out()
    page = api.get(f"{HOOKS}deliveries/?page_size=2", **bearer(reader.key)).json()
    assert len(page["results"]) == 2 and page["next_cursor"]
    rest = api.get(page["next"], **bearer(reader.key)).json()
    ids = [r["id"] for r in page["results"] + rest["results"]]
    assert (
        ids
        == sorted(ids, reverse=True)
        == list(hook_rows(subscription).order_by("-pk").values_list("pk", flat=True))
    )
    assert rest["next_cursor"] is None
    other = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    assert api.get(f"{HOOKS}deliveries/", **bearer(other.key)).json()["results"] == []
    foreign = api.get(f"{HOOKS}deliveries/?subscription={subscription.ref}", **bearer(other.key))
    assert foreign.status_code == 422


def test_the_external_id_is_for_the_client_that_filed(world, make_client):
    from api.models import ApiIntake

    filer = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    agency_system = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    dossier = world.dossier_in(Status.SUBMITTED)
    ApiIntake.objects.create(client=filer.client, external_id="EXT-1", dossier=dossier)
    event = dossier.outbox_events.get()
    mine = webhooks.webhook_subscribe(client=filer.client, url="https://8.8.8.8/")
    theirs = webhooks.webhook_subscribe(client=agency_system.client, url="https://8.8.8.8/")
    assert webhooks.payload(event, mine)["data"]["external_id"] == "EXT-1"
    assert webhooks.payload(event, theirs)["data"]["external_id"] is None


def test_admin_lists_deliveries_with_their_state_and_retries_failed_ones(
    client, world, reader, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    subscription = webhooks.webhook_subscribe(client=reader.client, url="http://127.0.0.1:9/")
    world.dossier_in(Status.SUBMITTED)
    outbox.sweep()
    row = hook_rows(subscription).get()
    assert row.status == DeliveryStatus.FAILED
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    force_login_verified(client, admin)
    url = reverse("admin:api_webhookdelivery_changelist")
    page = client.get(url, {"client": reader.client.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "ConnectionError" in html and str(reader.client) in html
    done = client.post(url, {"action": "retry", "_selected_action": [row.pk]})
    assert done.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    subs = client.get(reverse("admin:api_webhooksubscription_changelist"))
    assert subs.status_code == 200 and subscription.url in subs.content.decode()


def _doc_block(language: str, after: str) -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text()
    section = text[text.index(after) :]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_the_documented_receiver_checks_accept_ours_and_refuse_forgeries(tmp_path):
    import shutil
    import subprocess
    import time

    body = '{"id": 1, "data": {"code": "000.00.11.H29-261207-0042", "note": "Đủ"}}'.encode()
    now = int(time.time())
    headers = {
        "X-MotCua-Timestamp": str(now),
        "X-MotCua-Signature": webhooks.signature(body, timestamp=now, secret=SECRET),
    }
    namespace = {}
    exec(_doc_block("python", "### Checking a delivery"), namespace)  # noqa: S102
    verified = namespace["motcua_verified"]
    assert verified(body, headers, SECRET)
    assert not verified(body + b" ", headers, SECRET)
    assert not verified(body, {**headers, "X-MotCua-Timestamp": str(now - 301)}, SECRET)
    assert not verified(body, headers, "another-secret")

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    (tmp_path / "body.json").write_bytes(body)
    script = _doc_block("sh", "Shell (the body saved")

    def shell(signature):
        env = {"PATH": "/usr/bin:/bin", "TIMESTAMP": str(now), "SECRET": SECRET}
        env["SIGNATURE"] = signature
        run = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        return run.stdout.strip()

    assert shell(headers["X-MotCua-Signature"]) == "verified"
    assert shell("v1=" + "0" * 64) == "REJECT"


def test_an_apology_is_a_form_issued_event_for_those_who_asked(world, reader):
    from dossiers import services
    from dossiers.models import Dossier
    from tests.dossiers.test_documents import next_working_day

    changes = webhooks.webhook_subscribe(client=reader.client, url="https://8.8.8.8/")
    forms = webhooks.webhook_subscribe(
        client=reader.client,
        url="https://8.8.4.4/",
        events=["dossier.status_changed", "dossier.form_issued"],
    )
    dossier = world.dossier_in(Status.PROCESSING)
    outbox.fan_out()
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=10))
    services.dossier_apologise(
        dossier_id=dossier.pk,
        actor=world.specialist,
        reason="Chờ ý kiến",
        new_date=next_working_day(),
    )
    outbox.fan_out()
    apology = dossier.outbox_events.get(kind="apology_issued")
    assert webhooks.event_type(apology) == "dossier.form_issued"
    assert not hook_rows(changes).filter(event=apology).exists()
    assert hook_rows(forms).filter(event=apology).exists()
    sent = webhooks.payload(apology, forms)
    assert [d["form"] for d in sent["data"]["issued_documents"]] == ["04"]
    assert sent["data"]["status"] == "processing"


def test_unsubscribing_drops_what_was_not_delivered(api, world, reader):
    made = subscribe(api, reader.key, url="http://127.0.0.1:9/")
    subscription = WebhookSubscription.objects.get(ref=made.json()["id"])
    world.dossier_in(Status.RECEIVED)
    outbox.fan_out()
    first = hook_rows(subscription).first()
    OutboxDelivery.objects.filter(pk=first.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now()
    )
    assert hook_rows(subscription).count() == 2
    assert api.delete(f"{HOOKS}{made.json()['id']}/", **bearer(reader.key)).status_code == 204
    assert list(hook_rows(subscription)) == [first]  # the history stays
    listed = api.get(f"{HOOKS}deliveries/", **bearer(reader.key)).json()["results"]
    assert [r["id"] for r in listed] == [first.pk]


def test_the_national_portal_follows_the_settings_after_migrate(settings, caplog):
    from django.core.management import call_command

    from api.apps import national_portal_after_migrate

    settings.PARTNER_SYNC_URL, settings.PARTNER_SYNC_SECRET = "https://8.8.8.8/dvc", "agreed"
    national_portal_after_migrate()
    made = WebhookSubscription.objects.get(recipient=partner.RECIPIENT)
    assert (made.url, made.secret, made.client_id) == ("https://8.8.8.8/dvc", "agreed", None)

    # A refused URL does not stop a deploy; it is logged, and the command says why.
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    settings.PARTNER_SYNC_URL = "http://10.0.0.5/dvc"
    national_portal_after_migrate()
    assert "not set up" in caplog.text
    made.refresh_from_db()
    assert made.url == "https://8.8.8.8/dvc"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="loopback"):
        call_command("webhook_national_portal")


def test_admin_adds_an_operators_subscription_and_shows_its_secret_once(client, settings):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    force_login_verified(client, admin)
    added = client.post(
        reverse("admin:api_webhooksubscription_add"),
        {
            "client": "",
            "url": "https://8.8.8.8/hook",
            "secret": "",
            "events": ["dossier.status_changed"],
            "description": "Hệ thống giám sát",
        },
        follow=True,
    )
    assert added.status_code == 200
    made = WebhookSubscription.objects.get()
    assert made.client is None and made.recipient.startswith("hook-")
    assert made.secret in added.content.decode()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    refused = client.post(
        reverse("admin:api_webhooksubscription_add"),
        {"client": "", "url": "http://127.0.0.1/x", "events": ["dossier.status_changed"]},
    )
    assert refused.status_code == 200 and WebhookSubscription.objects.count() == 1


def test_a_malformed_subscription_id_is_a_404_problem(api, reader):
    answer = api.get(f"{HOOKS}not-a-uuid/", **bearer(reader.key))
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"


def test_the_deliveries_page_costs_the_same_whatever_its_size(api, world, reader):
    webhooks.webhook_subscribe(client=reader.client, url="http://127.0.0.1:9/")
    for _ in range(3):
        world.dossier_in(Status.PROCESSING)
    outbox.fan_out()
    counts = []
    for size in (1, 9):
        with CaptureQueriesContext(connection) as queries:
            page = api.get(f"{HOOKS}deliveries/?page_size={size}", **bearer(reader.key))
        assert len(page.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_status_change_with_a_form_waits_for_its_file(world, reader, settings):
    # The form's PDF is written by a worker after the action: the event goes once it
    # is there, with its SHA-256 and a link that works.
    from dossiers import documents, services
    from dossiers.models import IssuedDocument

    settings.ISSUED_DOCUMENTS_WRITE_INLINE = False
    receiver = Receiver(secret=SECRET)
    with serving(receiver) as url:
        subscription = webhooks.webhook_subscribe(client=reader.client, url=url, secret=SECRET)
        dossier = world.dossier_in(Status.SUBMITTED)
        services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
        outbox.fan_out()
        outbox.deliver_due()
        received = hook_rows(subscription).last()
        assert received.status == DeliveryStatus.PENDING and received.attempts == 0
        assert received.last_error.startswith("waiting")

        issued = IssuedDocument.objects.get(dossier=dossier)
        documents.write(issued.pk)
        OutboxDelivery.objects.filter(pk=received.pk).update(next_attempt_at=timezone.now())
        outbox.deliver_due()
        received.refresh_from_db()
        assert received.status == DeliveryStatus.SENT
        (form,) = receiver.accepted[-1]["data"]["issued_documents"]
        issued.refresh_from_db()
        assert (form["status"], form["sha256"]) == ("ready", issued.sha256)
        assert form["download_url"]
