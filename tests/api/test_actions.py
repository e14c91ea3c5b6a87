"""Actions through the partner API: the workbench's forms and services, the new state
and the issued forms in the answer, each refusal, and two concurrent actions on one
dossier of which exactly one wins."""

import threading

import pytest
from django.db import connection
from django.test import Client

from api import clients
from api.constants import Scope
from dossiers.constants import Action, ActorRole, Status
from dossiers.models import Dossier, OutboxEvent
from tests.api.conftest import bearer
from tests.dossiers.factories import DossierFactory, World, pdf
from tests.procedures.factories import AgencyFactory


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def actor(world, make_client):
    return make_client(
        [world.agency], scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_ACT, Scope.DOCUMENTS_READ]
    )


def act(api, key, dossier, action, data=None, multipart=False):
    url = f"/api/v1/dossiers/{dossier.code}/actions/{action}/"
    if multipart:
        return api.post(url, data or {}, **bearer(key))
    return api.post(url, data or {}, content_type="application/json", **bearer(key))


@pytest.mark.django_db
def test_the_whole_processing_through_the_api(api, world, actor, fake_pdf):
    dossier = world.dossier_in(Status.SUBMITTED)
    opened = api.get(f"/api/v1/dossiers/{dossier.code}/actions/", **bearer(actor.key)).json()
    assert {a["action"] for a in opened["actions"]} >= {"receive", "refuse", "request_supplement"}

    received = act(api, actor.key, dossier, "receive", {"note": "Đủ hồ sơ"})
    assert received.status_code == 200, received.content
    got = received.json()
    assert got["status"] == "received" and got["due_at"]
    assert [d["form"] for d in got["issued_documents"]] == ["01"]
    assert (
        api.get(got["issued_documents"][0]["download_url"], **bearer(actor.key)).status_code == 200
    )

    assignees = api.get(f"/api/v1/dossiers/{dossier.code}/actions/", **bearer(actor.key)).json()
    specialist = next(a for a in assignees["assignees"] if a["id"] == world.specialist.pk)
    assigned = act(api, actor.key, dossier, "assign", {"assignee": specialist["id"]})
    assert assigned.json()["status"] == "processing"
    assert act(api, actor.key, dossier, "propose", {"note": "Đề nghị cấp"}).json()["status"] == (
        "awaiting_approval"
    )
    approved = act(api, actor.key, dossier, "approve", {"note": "", "result": pdf("kq.pdf")}, True)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "result_ready"
    returned = act(api, actor.key, dossier, "return_result", {"mode": "online"})
    assert returned.json()["status"] == "returned"

    dossier.refresh_from_db()
    rows = list(dossier.log.filter(action__in=["receive", "assign", "propose", "approve"]))
    assert {r.actor_id for r in rows} == {actor.client.user.pk}
    assert [r.actor_role for r in rows] == [
        ActorRole.RECEPTIONIST, ActorRole.RECEPTIONIST, ActorRole.SPECIALIST, ActorRole.LEADER
    ]  # fmt: skip
    # The same events as from the workbench: the outbox announces each change.
    kinds = set(OutboxEvent.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert {"received", "assigned", "proposed", "result_ready", "returned"} <= kinds


@pytest.mark.django_db
def test_invalid_payload_is_422_with_the_field(api, world, actor):
    dossier = world.dossier_built(Status.SUBMITTED)
    response = act(api, actor.key, dossier, "refuse", {"reason": ""})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/reason"]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


@pytest.mark.django_db
def test_state_conflicts_are_409(api, world, actor):
    dossier = world.dossier_built(Status.SUBMITTED)
    response = act(api, actor.key, dossier, "propose", {})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:motcua:problem:state-conflict"


@pytest.mark.django_db
def test_refusals(api, world, actor, make_client):
    dossier = world.dossier_built(Status.SUBMITTED)
    reader = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    assert act(api, reader.key, dossier, "receive").status_code == 403
    theirs = DossierFactory(
        version=world.version, case=world.case, receiving_agency=AgencyFactory(), submitted=True
    )
    assert act(api, actor.key, theirs, "receive").status_code == 404
    assert act(api, actor.key, dossier, "fly").status_code == 404
    clients.api_client_revoke(client=actor.client)
    assert act(api, actor.key, dossier, "receive").status_code == 401
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_actions_exactly_one_wins(fake_pdf):
    world = World()
    issued = clients.api_client_create(
        name="Hệ thống chuyên ngành", agencies=[world.agency], scopes=[Scope.DOSSIERS_ACT]
    )
    dossier = world.dossier_built(Status.SUBMITTED)
    barrier, results = threading.Barrier(2), []

    def take(action, data):
        try:
            barrier.wait()
            results.append(act(Client(), issued.key, dossier, action, data).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=("receive", {})),
        threading.Thread(target=take, args=("refuse", {"reason": "Sai thẩm quyền"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    final = Dossier.objects.get(pk=dossier.pk)
    assert final.status in (Status.RECEIVED, Status.REFUSED)
    assert final.log.filter(action__in=[Action.RECEIVE, Action.REFUSE]).count() == 1


@pytest.mark.django_db
def test_an_overdue_dossier_takes_the_apology_first(api, world, actor, fake_pdf):
    import datetime as dt

    from django.utils import timezone, translation

    from dossiers.workflow import APOLOGY_FIRST

    dossier = world.dossier_built(Status.PROCESSING)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    opened = api.get(f"/api/v1/dossiers/{dossier.code}/actions/", **bearer(actor.key)).json()
    assert [a["action"] for a in opened["actions"]] == ["apologise", "message", "note"]
    refused = act(api, actor.key, dossier, "propose", {"note": ""})
    assert refused.status_code == 409
    with translation.override("vi"):
        assert refused.json()["detail"] == str(APOLOGY_FIRST)
    new_date = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    apology = act(
        api, actor.key, dossier, "apologise", {"reason": "Chờ xác minh", "new_date": new_date}
    )
    assert apology.status_code == 200, apology.content
    assert [d["form"] for d in apology.json()["issued_documents"]] == ["04"]


@pytest.mark.django_db
def test_the_clients_account_is_nobody_to_assign_or_notify(world, actor):
    from dossiers.queues.workbench import specialists_of
    from identity.constants import OfficialRole
    from notifications.subscriber import official_ids_at

    account = actor.client.user
    assert account.is_service_account
    assert account.official_memberships.filter(role=OfficialRole.SPECIALIST).exists()
    assert world.specialist in specialists_of(world.agency)
    assert account not in specialists_of(world.agency)
    for role in (OfficialRole.SPECIALIST, OfficialRole.LEADER):
        ids = official_ids_at(world.agency.code, role)
        assert ids and account.pk not in ids
