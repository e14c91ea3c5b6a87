"""The standard documents through the pages: officials download forms 01-06 of their
agencies' dossiers, the applicant downloads 01-05 of their own, nobody else gets them;
the apology, record-result and return actions on the workbench."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers.constants import Action, Status
from dossiers.models import Dossier, DossierLog, IssuedDocument
from procedures.calendar import WorkingCalendar
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World, pdf
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def _bench(dossier):
    return reverse("backoffice:dossier", kwargs={"ref": dossier.ref})


def _act(client, dossier, action, data=None):
    url = reverse("backoffice:dossier-act", kwargs={"ref": dossier.ref, "action": action})
    return client.post(url, data or {}, follow=True)


def _issued_url(dossier, issued, *, portal=False):
    name = "portal:dossier-issued-document" if portal else "backoffice:issued-document"
    return reverse(name, kwargs={"ref": dossier.ref, "pk": issued.pk})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_receive_on_the_workbench_then_print_form_01(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)

    page = _act(client, dossier, Action.RECEIVE).content.decode()

    issued = IssuedDocument.objects.get(dossier=dossier, form="01")
    assert _issued_url(dossier, issued) in page
    assert reverse("backoffice:control-sheet", kwargs={"ref": dossier.ref}) in page
    response = client.get(_issued_url(dossier, issued))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _body(response).startswith(b"%PDF")
    sheet = client.get(reverse("backoffice:control-sheet", kwargs={"ref": dossier.ref}))
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")


def test_the_applicant_sees_form_01_and_another_citizen_gets_404(client, world):
    dossier = world.dossier_in(Status.RECEIVED)
    issued = IssuedDocument.objects.get(dossier=dossier, form="01")
    client.force_login(world.applicant)

    page = client.get(dossier.get_absolute_url()).content.decode()
    assert _issued_url(dossier, issued, portal=True) in page
    response = client.get(_issued_url(dossier, issued, portal=True))
    assert response.status_code == 200 and _body(response).startswith(b"%PDF")

    other = Client()
    other.force_login(world.other)
    assert other.get(_issued_url(dossier, issued, portal=True)).status_code == 404
    assert other.get(dossier.get_absolute_url()).status_code == 404
    # A document id of another dossier under the applicant's own dossier: 404 too.
    mine = world.dossier_in(Status.SUBMITTED)
    assert client.get(_issued_url(mine, issued, portal=True)).status_code == 404


def test_officials_of_another_agency_citizens_and_anonymous_get_nothing():
    a, b = two_wards()
    theirs = b.dossier_in(Status.RECEIVED)
    issued = IssuedDocument.objects.get(dossier=theirs)
    sheet = reverse("backoffice:control-sheet", kwargs={"ref": theirs.ref})

    outsider = force_login_verified(Client(), a.leader)
    assert outsider.get(_issued_url(theirs, issued)).status_code == 404
    assert outsider.get(sheet).status_code == 404
    citizen = Client()
    citizen.force_login(b.applicant)
    # The back office is closed to citizens, even to the applicant (form 06 is internal).
    assert citizen.get(sheet).status_code in (302, 403, 404)
    assert citizen.get(_issued_url(theirs, issued)).status_code in (302, 403, 404)
    anonymous = Client()
    assert anonymous.get(sheet).status_code in (302, 403, 404)
    assert anonymous.get(_issued_url(theirs, issued, portal=True)).status_code == 302


def _overdue(dossier):
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=5))


def test_apology_panel_only_when_overdue_and_required_before_acting(client, world):
    dossier = world.dossier_in(Status.PROCESSING)
    force_login_verified(client, world.specialist)
    assert f'id="action-{Action.APOLOGISE}"' not in client.get(_bench(dossier)).content.decode()

    _overdue(dossier)
    page = client.get(_bench(dossier)).content.decode()
    assert f'id="action-{Action.APOLOGISE}"' in page
    # The apology comes first: no other workflow action is offered meanwhile; the
    # message and the internal note, which keep the state, still are.
    assert f'id="action-{Action.PROPOSE}"' not in page
    assert f'id="action-{Action.NOTE}"' in page
    logs = DossierLog.objects.filter(dossier=dossier).count()
    refused = _act(client, dossier, Action.PROPOSE).content.decode()
    assert "mẫu 04" in refused
    assert DossierLog.objects.filter(dossier=dossier).count() == logs

    # A bad date: the form comes back with a message, nothing written.
    today = timezone.localdate().isoformat()
    response = _act(
        client, dossier, Action.APOLOGISE, {"reason": "Chờ xác minh", "new_date": today}
    )
    assert "ngày làm việc" in response.content.decode()
    assert DossierLog.objects.filter(dossier=dossier).count() == logs

    new_date = WorkingCalendar.load().next_working_day(timezone.localdate())
    _act(client, dossier, Action.APOLOGISE, {"reason": "Chờ xác minh", "new_date": new_date})
    assert IssuedDocument.objects.filter(dossier=dossier, form="04").exists()
    page = client.get(_bench(dossier)).content.decode()
    assert f'id="action-{Action.APOLOGISE}"' not in page
    assert f'id="action-{Action.PROPOSE}"' in page
    _act(client, dossier, Action.PROPOSE)
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL


def test_record_the_signed_result_and_return_it_by_post(client, world):
    dossier = world.dossier_in(Status.RESULT_READY)
    force_login_verified(client, world.receptionist)

    _act(client, dossier, Action.RECORD_RESULT, {"result": pdf("da-ky.pdf"), "note": ""})
    assert dossier.documents.get(is_result=True, superseded_at__isnull=True).file.name == (
        "da-ky.pdf"
    )

    response = _act(client, dossier, Action.RETURN_RESULT, {"mode": "post"})
    assert response.status_code == 400  # the tracking number is missing
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY

    _act(client, dossier, Action.RETURN_RESULT, {"mode": "post", "postal_tracking": "EB1VN"})
    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_mode, dossier.postal_tracking) == (
        Status.RETURNED,
        "post",
        "EB1VN",
    )
    assert "EB1VN" in client.get(_bench(dossier)).content.decode()
    applicant = Client()
    applicant.force_login(world.applicant)
    assert "da-ky.pdf" in applicant.get(reverse("portal:my-documents")).content.decode()


def test_a_specialist_cannot_record_the_result(client, world):
    dossier = world.dossier_in(Status.RESULT_READY)
    force_login_verified(client, world.specialist)
    page = client.get(_bench(dossier)).content.decode()
    assert f'id="action-{Action.RECORD_RESULT}"' not in page
    logs = DossierLog.objects.filter(dossier=dossier).count()
    _act(client, dossier, Action.RECORD_RESULT, {"result": pdf("x.pdf")})
    assert DossierLog.objects.filter(dossier=dossier).count() == logs
