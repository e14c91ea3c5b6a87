"""Deleting a draft from the portal (DRAFT -> DISCARDED): its applicant only, after a
confirmation page, by POST; anyone else's is a 404 and a filed dossier is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.constants import Action, ActorRole, Status
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def _url(dossier):
    return reverse("portal:dossier-discard", kwargs={"ref": dossier.ref})


def _status(dossier):
    dossier.refresh_from_db()
    return dossier.status


def test_the_owner_confirms_then_deletes_the_draft(client, world):
    draft = world.draft()
    client.force_login(world.applicant)
    listing = client.get(reverse("portal:dossier-list")).content.decode()
    assert _url(draft) in listing  # offered in My dossiers
    edit = client.get(reverse("portal:dossier-edit", kwargs={"ref": draft.ref}))
    assert _url(draft) in edit.content.decode()  # and on the draft's page

    confirm = client.get(_url(draft))
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Xóa bản nháp" in html and 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert _status(draft) == Status.DRAFT  # GET only asks

    response = client.post(_url(draft), follow=True)

    assert response.redirect_chain[-1][0] == reverse("portal:dossier-list")
    html = response.content.decode()
    assert "Đã xóa bản nháp." in html
    assert _url(draft) not in html and reverse("portal:dossier-edit", args=[draft.ref]) not in html
    assert _status(draft) == Status.DISCARDED
    entry = draft.log.get(action=Action.DISCARD)
    assert (entry.actor, entry.actor_role) == (world.applicant, ActorRole.APPLICANT)
    # Gone for good from the portal: the page and the door are now 404s.
    assert client.get(reverse("portal:dossier-edit", args=[draft.ref])).status_code == 404
    assert client.post(_url(draft)).status_code == 404


def test_the_csrf_token_is_required(world):
    draft = world.draft()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.applicant)
    assert client.post(_url(draft)).status_code == 403
    assert _status(draft) == Status.DRAFT


def test_another_citizens_draft_is_not_found(client, world):
    draft = world.draft()
    client.force_login(world.other)
    assert client.get(_url(draft)).status_code == 404
    assert client.post(_url(draft)).status_code == 404
    assert _status(draft) == Status.DRAFT
    assert not draft.log.filter(action=Action.DISCARD).exists()


def test_a_submitted_dossier_cannot_be_deleted(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    client.force_login(world.applicant)
    assert _url(dossier) not in client.get(reverse("portal:dossier-list")).content.decode()

    for method in (client.get, client.post):
        response = method(_url(dossier), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == dossier.get_absolute_url()
        assert "Chỉ xóa được bản nháp" in response.content.decode()
    assert _status(dossier) == Status.SUBMITTED
    assert not dossier.log.filter(action=Action.DISCARD).exists()


def test_anonymous_is_sent_to_sign_in(client, world):
    draft = world.draft()
    response = client.post(_url(draft))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]
    assert _status(draft) == Status.DRAFT
