"""Drafts autosave: the declaration is saved as the citizen types (htmx), with a
"saved at HH:MM" status that screen readers announce; the Save button does the same
without JavaScript."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.constants import Status
from dossiers.models import DossierLog
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(db):
    return World()


def _autosave(client, dossier, data, **headers):
    return client.post(reverse("portal:dossier-autosave", args=[dossier.ref]), data, **headers)


def test_the_draft_form_autosaves_with_a_polite_status(client, world):
    draft = world.draft()
    client.force_login(world.applicant)

    html = client.get(reverse("portal:dossier-edit", args=[draft.ref])).content.decode()

    form = re.search(r"<form[^>]*hx-post=\"([^\"]+)\"[^>]*>", html)
    assert form and form.group(1) == reverse("portal:dossier-autosave", args=[draft.ref])
    assert 'hx-trigger="change, input delay:1500ms"' in form.group(0)
    assert 'hx-target="#autosave-status"' in form.group(0)
    status = re.search(r"<p[^>]*id=\"autosave-status\"[^>]*>", html).group(0)
    assert 'role="status"' in status and 'aria-live="polite"' in status
    # Without JavaScript the same form posts to the page itself with a Save button.
    assert 'name="save"' in html and 'method="post"' in form.group(0)


def test_autosave_keeps_what_was_typed_and_says_when(client, world):
    draft = world.draft()
    client.force_login(world.applicant)
    logged = DossierLog.objects.filter(dossier=draft).count()

    response = _autosave(client, draft, {"full_name": "Phạm Thu", "not_a_field": "x"}, **HTMX)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Phạm Thu"
    assert "not_a_field" not in draft.form_data  # only the declaration's fields
    time = timezone.localtime(draft.updated_at).strftime("%H:%M")
    assert response.content.decode().strip() == f"Đã lưu bản nháp lúc {time}"
    # Incomplete values are kept too (the submission validates); no log row for drafts.
    _autosave(client, draft, {"full_name": ""}, **HTMX)
    draft.refresh_from_db()
    assert draft.form_data == {"full_name": ""}
    assert DossierLog.objects.filter(dossier=draft).count() == logged


def test_without_javascript_the_save_button_saves_the_draft(client, world):
    draft = world.draft()
    client.force_login(world.applicant)
    response = client.post(
        reverse("portal:dossier-edit", args=[draft.ref]), {"full_name": "Hà", "save": "1"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Hà"
    # A plain POST to the autosave URL is sent back to the page, nothing saved.
    response = _autosave(client, draft, {"full_name": "Khác"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Hà"


def test_a_submitted_dossier_is_not_changed_by_a_late_autosave(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    before = dict(dossier.form_data)
    client.force_login(world.applicant)

    response = _autosave(client, dossier, {"full_name": "Sửa sau khi nộp"}, **HTMX)

    assert response.status_code == 200 and "không còn là bản nháp" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.form_data == before


def test_autosave_is_for_the_applicant_only(client, world):
    draft = world.draft()
    data = {"full_name": "Kẻ lạ"}
    client.force_login(world.other)
    assert _autosave(client, draft, data, **HTMX).status_code == 404
    # An official past the second factor is no applicant either.
    force_login_verified(client, world.receptionist)
    assert _autosave(client, draft, data, **HTMX).status_code == 404
    client.logout()
    signed_out = _autosave(client, draft, data, **HTMX)
    # htmx would put a redirected login page into the status line: a message instead.
    assert signed_out.status_code == 200 and "đăng nhập lại" in signed_out.content.decode()
    plain = _autosave(client, draft, data)
    assert plain.status_code == 302 and "/dang-nhap/" in plain["Location"]
    assert client.get(reverse("portal:dossier-autosave", args=[draft.ref])).status_code == 405
    draft.refresh_from_db()
    assert draft.form_data == {}


def test_an_autosave_that_arrives_before_a_save_but_commits_after_it_is_dropped(world):
    """Autosave requests run in parallel with the Save/Review post: one that arrived
    earlier (older form contents) but reached the row lock later must not overwrite
    the declaration the citizen is about to submit."""
    import time as clock

    from dossiers import services

    draft = world.draft()
    arrived = clock.time()
    services.dossier_save_declaration(
        dossier_id=draft.pk, actor=world.applicant, data={"full_name": "Phạm Thu Hà"}
    )
    # The deliberate save stamps the cache on commit; the test's transaction never
    # commits, so stamp it here.
    from django.core.cache import cache

    cache.set(f"declaration-saved:{draft.pk}", clock.time(), 60)

    services.dossier_save_declaration(
        dossier_id=draft.pk,
        actor=world.applicant,
        data={"full_name": "Phạm"},
        autosave_received_at=arrived,
    )
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Phạm Thu Hà"

    # A later autosave (arrived after that save) is kept as usual.
    services.dossier_save_declaration(
        dossier_id=draft.pk,
        actor=world.applicant,
        data={"full_name": "Phạm Thu Hà Anh"},
        autosave_received_at=clock.time() + 1,
    )
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Phạm Thu Hà Anh"
