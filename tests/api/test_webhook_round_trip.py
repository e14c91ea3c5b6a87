"""A round trip with a stand-in national portal: over real HTTP, it subscribes to
webhooks with its API key, files a dossier through the API, drives the whole lifecycle
through the API's actions, and its own HTTP server on loopback receives every status
change, in order, each signature and timestamp verified. The outbox is dispatched as
the worker does it after each commit (the Celery task, run in the process)."""

from urllib.parse import urlsplit

import pytest
import requests

from dossiers import outbox, tasks
from dossiers.models import Dossier
from tests.api.test_intake import body as intake_body
from tests.api.test_intake import setup_world
from tests.dossiers.factories import PDF
from tests.dossiers.partner_receiver import Receiver, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_pdf")]

EXTERNAL_ID = "G22.99-261207-000777"


@pytest.fixture
def worker_in_process(monkeypatch):
    """After each commit, run the dispatch task as a worker would; a retry's delayed
    dispatch is left to the sweep (the test runs it)."""

    def dispatch_now(event_id=None, *, countdown=None):
        if countdown is None:
            tasks.outbox_dispatch(event_id=event_id)
        return True

    monkeypatch.setattr(outbox, "dispatch_soon", dispatch_now)


def test_the_national_portal_files_drives_and_hears_every_change(
    live_server, make_client, worker_in_process
):
    world = setup_world()
    portal = make_client([world.agency], name="Cổng dịch vụ công quốc gia")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {portal.key}"
    base = f"{live_server.url}/api/v1"
    receiver = Receiver(secret="")
    with serving(receiver) as hook_url:
        subscribed = api.post(f"{base}/webhooks/", json={"url": hook_url}, timeout=10)
        assert subscribed.status_code == 201, subscribed.text
        receiver.secret = subscribed.json()["secret"]  # shown once: the portal keeps it

        filed = api.post(
            f"{base}/dossiers/",
            json=intake_body(world, external_id=EXTERNAL_ID),
            timeout=10,
        )
        assert filed.status_code == 201, filed.text
        code = filed.json()["code"]

        def act(action, **data):
            url = f"{base}/dossiers/{code}/actions/{action}/"
            if "files" in data:
                answer = api.post(url, data=data["data"], files=data["files"], timeout=10)
            else:
                answer = api.post(url, json=data, timeout=10)
            assert answer.status_code == 200, (action, answer.text)
            return answer.json()

        assert act("receive", note="Đủ thành phần")["status"] == "received"
        assert act("assign", assignee=world.specialist.pk)["status"] == "processing"
        assert act("propose", note="Đề nghị cấp")["status"] == "awaiting_approval"
        approved = act("approve", data={"note": ""}, files={"result": ("kq.pdf", PDF)})
        assert approved["status"] == "result_ready"
        assert act("return_result", mode="online")["status"] == "returned"

        outbox.sweep()  # whatever the on-commit dispatch left (nothing, if all went well)
        deliveries = api.get(f"{base}/webhooks/deliveries/", timeout=10).json()["results"]

    assert receiver.bad_signatures == 0 and receiver.duplicates == 0
    got = [item["data"] for item in receiver.accepted]
    assert [d["status"] for d in got] == [
        "submitted",
        "received",
        "processing",
        "awaiting_approval",
        "result_ready",
        "returned",
    ]
    assert [d["previous_status"] for d in got][:2] == ["draft", "submitted"]
    assert {d["code"] for d in got} == {code}
    assert {d["external_id"] for d in got} == {EXTERNAL_ID}
    assert [item["type"] for item in receiver.accepted] == ["dossier.status_changed"] * 6
    ids = [item["id"] for item in receiver.accepted]
    assert ids == sorted(ids)
    assert [h["X-MotCua-Event-Id"] for h in receiver.headers] == [str(i) for i in ids]
    # The forms issued on the way are announced with the change that issued them.
    assert [doc["form"] for doc in got[1]["issued_documents"]] == ["01"]
    path = urlsplit(got[1]["issued_documents"][0]["download_url"]).path
    form = api.get(f"{live_server.url}{path}", timeout=10)
    assert form.status_code == 200 and form.content.startswith(b"%PDF")
    # The portal's own view of the deliveries: all sent, newest first, once each.
    assert [d["status"] for d in deliveries] == ["sent"] * 6
    assert [d["event_id"] for d in deliveries] == ids[::-1]
    assert {d["dossier_code"] for d in deliveries} == {code}
    assert Dossier.objects.get(code=code).status == "returned"
