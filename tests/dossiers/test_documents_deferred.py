"""An issued form's PDF written after the action commits (dossiers.documents): the
action renders nothing, its record, number and log row exist at once; the workbench,
the applicant's page and the API say "being prepared"; a download asked for early
waits, then answers 503 with Retry-After; the sweep writes what no worker did.

The other tests write the file inside the issuing transaction (their transactions never
commit; ISSUED_DOCUMENTS_WRITE_INLINE in config/settings/test.py); these turn that off."""

from __future__ import annotations

import datetime as dt
import hashlib
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from api import clients
from api.constants import Scope
from dossiers import documents, services
from dossiers.constants import Action, Status
from dossiers.models import DossierLog, IssuedDocument
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferred(settings):
    settings.ISSUED_DOCUMENTS_WRITE_INLINE = False
    settings.ISSUED_DOCUMENT_WAIT_SECONDS = 0.3
    return settings


@pytest.fixture
def world():
    return World()


def _receive(world, django_capture_on_commit_callbacks):
    dossier = world.dossier_in(Status.SUBMITTED)
    with django_capture_on_commit_callbacks() as callbacks:
        services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    return dossier, IssuedDocument.objects.get(dossier=dossier), callbacks


def test_the_action_issues_the_form_without_rendering_it(
    deferred, world, django_capture_on_commit_callbacks
):
    with (
        mock.patch("weasyprint.HTML") as weasyprint,
        mock.patch.object(documents.signing, "document_sign") as sign,
        mock.patch("dossiers.tasks.issued_document_write.apply_async") as queued,
    ):
        _dossier, issued, callbacks = _receive(world, django_capture_on_commit_callbacks)
        assert not weasyprint.called and not sign.called
        # The record, its number and the log row exist with the action.
        entry = issued.log
        assert (entry.action, issued.form, issued.state) == (Action.RECEIVE, "01", "pending")
        assert len(issued.number) == 8 and entry.data["document"] == {
            "form": "01",
            "number": issued.number,
        }
        assert not DossierLog.objects.filter(action=Action.DOCUMENT_WRITTEN).exists()
        # A worker is asked to write it once the action commits, not before.
        assert not queued.called
        for callback in callbacks:
            callback()
        queued.assert_called_once()
        assert queued.call_args.kwargs["kwargs"] == {"issued_id": issued.pk}


def test_the_worker_writes_signs_and_logs_the_sha256(
    deferred, world, django_capture_on_commit_callbacks, fake_pdf
):
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    from dossiers.tasks import issued_document_write

    assert issued_document_write(issued.pk) is True
    issued.refresh_from_db()
    with issued.file.open("rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert issued.state == "ready" and issued.sha256 == digest
    row = DossierLog.objects.get(dossier=dossier, action=Action.DOCUMENT_WRITTEN)
    assert (row.actor_role, row.visibility, row.actor_id) == ("system", "internal", None)
    assert row.data["document"]["sha256"] == digest
    assert row.data["document"]["issued"] == issued.pk
    assert row.data["document"]["signature"]["number"] == issued.number
    # Written once: a second run (the task redelivered, the sweep) does nothing.
    assert issued_document_write(issued.pk) is False
    assert DossierLog.objects.filter(action=Action.DOCUMENT_WRITTEN).count() == 1


def test_the_sweep_writes_a_form_no_worker_wrote(
    deferred, world, django_capture_on_commit_callbacks, fake_pdf
):
    _dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    # Too recent: a worker is probably on it.
    assert documents.sweep() == 0
    IssuedDocument.objects.filter(pk=issued.pk).update(
        issued_at=timezone.now() - dt.timedelta(minutes=5)
    )
    from dossiers.tasks import issued_documents_sweep

    assert issued_documents_sweep() == 1
    issued.refresh_from_db()
    assert issued.state == "ready"
    assert issued_documents_sweep() == 0


def test_the_workbench_shows_being_prepared_then_the_link(
    deferred, client, world, django_capture_on_commit_callbacks, fake_pdf
):
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    force_login_verified(client, world.receptionist)
    item = reverse("backoffice:issued-document-item", kwargs={"ref": dossier.ref, "pk": issued.pk})
    link = reverse("backoffice:issued-document", kwargs={"ref": dossier.ref, "pk": issued.pk})

    page = client.get(reverse("backoffice:dossier", kwargs={"ref": dossier.ref})).content.decode()
    assert "Đang chuẩn bị" in page
    # Polled by htmx; without script the link is there all the same (it waits).
    assert f'hx-get="{item}"' in page and 'hx-trigger="every 2s"' in page
    assert f'href="{link}"' in page

    fragment = client.get(item).content.decode()
    assert "Đang chuẩn bị" in fragment and "hx-trigger" in fragment

    documents.write(issued.pk)
    fragment = client.get(item).content.decode()
    assert "Đang chuẩn bị" not in fragment and "hx-trigger" not in fragment
    assert f'href="{link}"' in fragment
    # The agency has no certificate: the worker's row says so, and so does the badge.
    assert "Chưa ký số" in fragment


def test_an_early_download_waits_then_says_503_with_retry_after(
    deferred, client, world, django_capture_on_commit_callbacks, fake_pdf
):
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    force_login_verified(client, world.receptionist)
    link = reverse("backoffice:issued-document", kwargs={"ref": dossier.ref, "pk": issued.pk})

    with mock.patch.object(documents.time, "sleep") as slept:
        slept.side_effect = lambda s: None
        response = client.get(link)
    assert response.status_code == 503 and response["Retry-After"]
    assert slept.called  # it waited for the worker first
    assert "đang được tạo" in response.content.decode()

    # Written while the download waits: it is served.
    def worker_meanwhile(seconds):
        documents.write(issued.pk)

    with mock.patch.object(documents.time, "sleep", side_effect=worker_meanwhile):
        response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_applicant_page_and_download_say_being_prepared(
    deferred, client, world, django_capture_on_commit_callbacks
):
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    client.force_login(world.applicant)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert "Đang chuẩn bị" in page
    response = client.get(
        reverse("portal:dossier-issued-document", kwargs={"ref": dossier.ref, "pk": issued.pk})
    )
    assert response.status_code == 503 and response["Retry-After"]


def test_the_api_says_pending_with_no_url_and_503_for_the_file(
    deferred, client, world, django_capture_on_commit_callbacks, fake_pdf
):
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    key = clients.api_client_create(
        name="Cổng dịch vụ công", agencies=[world.agency], scopes=list(Scope.values)
    ).key
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    got = client.get(f"/api/v1/dossiers/{dossier.code}/", **auth).json()
    (doc,) = got["issued_documents"]
    assert (doc["status"], doc["download_url"], doc["sha256"]) == ("pending", None, None)
    response = client.get(f"/api/v1/dossiers/{dossier.code}/issued/{issued.pk}/file", **auth)
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["status"] == 503

    documents.write(issued.pk)
    (doc,) = client.get(f"/api/v1/dossiers/{dossier.code}/", **auth).json()["issued_documents"]
    assert doc["status"] == "ready" and doc["download_url"] and doc["sha256"]


def test_the_counter_prints_the_receipt_even_when_no_worker_wrote_it(
    deferred, client, world, django_capture_on_commit_callbacks, fake_pdf, monkeypatch
):
    from backoffice import counter_views

    monkeypatch.setattr(counter_views, "COUNTER_WAIT_SECONDS", 0.2)
    dossier, issued, _ = _receive(world, django_capture_on_commit_callbacks)
    force_login_verified(client, world.receptionist)

    response = client.get(reverse("backoffice:counter-receipt", kwargs={"ref": dossier.ref}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    issued.refresh_from_db()
    assert issued.state == "ready"
    assert DossierLog.objects.filter(action=Action.DOCUMENT_WRITTEN).count() == 1
