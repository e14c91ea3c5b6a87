"""Citizen dossier pages, public lookup and status API."""

import pytest
from django.urls import reverse

from dossiers.constants import Status
from dossiers.evaluation import CRITERIA
from dossiers.models import Dossier
from tests.dossiers.factories import World, pdf
from tests.helpers import force_login_verified
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def test_the_one_receiving_agency_is_chosen_already(client, world):
    client.force_login(world.applicant)
    start = reverse("portal:dossier-start", kwargs={"code": world.procedure.code})
    html = client.get(start).content.decode()
    # Stated, not asked: no select to open, the agency's name in plain text.
    assert f'<input type="hidden" name="agency" value="{world.agency.pk}"' in html
    assert '<select name="agency"' not in html
    assert f"<dd>{world.agency.name}</dd>" in html
    assert "---------" not in html


def test_several_receiving_agencies_are_a_choice_with_nothing_chosen(client, world):
    second = AgencyFactory(name="Ủy ban nhân dân phường Thử")
    world.procedure.executing_agencies.add(second)
    client.force_login(world.applicant)
    start = reverse("portal:dossier-start", kwargs={"code": world.procedure.code})
    html = client.get(start).content.decode()
    assert '<select name="agency"' in html and "---------" in html
    assert f"<dd>{world.agency.name}</dd>" not in html
    response = client.post(start, {"case": world.case.pk, "party": "self"})
    assert response.status_code == 200 and not Dossier.objects.exists()
    client.post(start, {"case": world.case.pk, "agency": second.pk, "party": "self"})
    assert Dossier.objects.get().receiving_agency == second


def test_filing_end_to_end_without_javascript(client, world):
    client.force_login(world.applicant)
    start = reverse("portal:dossier-start", kwargs={"code": world.procedure.code})
    assert client.get(start).status_code == 200
    response = client.post(
        start, {"case": world.case.pk, "agency": world.agency.pk, "party": "self"}
    )
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})
    edit = response["Location"]

    bad = client.post(
        edit,
        {
            "upload": "1",
            "required_document": world.document.pk,
            "file": pdf("x.pdf", b"MZ not a pdf"),
        },
    )
    assert bad.status_code == 200 and "không thuộc loại được chấp nhận" in bad.content.decode()
    client.post(edit, {"upload": "1", "required_document": world.document.pk, "file": pdf()})
    invalid = client.post(edit, {"review": "1", "full_name": ""})
    assert invalid.status_code == 200 and "field__error" in invalid.content.decode()
    response = client.post(edit, {"review": "1", "full_name": "Phạm Thu Hà"})
    review = reverse("portal:dossier-review", kwargs={"ref": dossier.ref})
    assert response["Location"] == review

    first = client.post(review)
    second = client.post(review)  # double click
    assert first["Location"] == second["Location"]
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.code.endswith("-0001")
    assert dossier.log.filter(action="submit").count() == 1
    page = client.get(first["Location"]).content.decode()
    assert dossier.code in page

    receipt = client.get(reverse("portal:dossier-receipt", kwargs={"ref": dossier.ref}))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_my_dossiers_pages_with_constant_queries(client, world, django_assert_num_queries):
    client.force_login(world.applicant)
    for _ in range(3):
        world.dossier_in(Status.SUBMITTED)
    url = reverse("portal:dossier-list")
    client.get(url)  # warm the session
    with django_assert_num_queries(3) as small:
        client.get(url)
    for _ in range(25):
        world.draft()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert "sau=" in html
    assert html.count('class="card"') == 20


def test_lookup_shows_status_without_personal_data(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    html = client.get("/tra-cuu/", {"ma": dossier.code}).content.decode()
    assert (dossier.code in html and "Đang xử lý" in html) or "In progress" in html
    assert world.applicant.full_name not in html
    assert "giay-to.pdf" not in html
    typed = client.get("/tra-cuu/", {"ma": f"  {dossier.code.lower()} "}).content.decode()
    assert dossier.code in typed and "Đang xử lý" in typed
    missing = client.get("/tra-cuu/", {"ma": "000.00.31.H29-000000-9999"}).content.decode()
    assert "giay-to.pdf" not in missing


def test_lookup_is_rate_limited(client, world, settings):
    settings.DOSSIER_LOOKUP_RATE = 3
    for _ in range(3):
        assert client.get("/tra-cuu/", {"ma": "X"}).status_code == 200
    assert client.get("/tra-cuu/", {"ma": "X"}).status_code == 429


def test_the_status_api_counts_with_the_lookup_page(client, world, settings):
    """One door to the same data: the API and /tra-cuu/ share the lookup's limit per
    address (common.ratelimit), and a made-up X-Forwarded-For does not reset it."""
    settings.DOSSIER_LOOKUP_RATE = 3
    assert client.get("/tra-cuu/", {"ma": "X"}).status_code == 200
    assert client.get("/api/v1/dossiers/X/status").status_code == 404
    assert (
        client.get("/api/v1/dossiers/X/status", HTTP_X_FORWARDED_FOR="10.9.8.7").status_code == 404
    )
    assert client.get("/api/v1/dossiers/X/status").status_code == 429
    assert client.get("/tra-cuu/", {"ma": "X"}, HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 429


def test_status_api_and_schema(client, world):
    dossier = world.dossier_built(Status.RECEIVED)
    data = client.get(f"/api/v1/dossiers/{dossier.code}/status").json()
    assert data["code"] == dossier.code and data["status"] == "received"
    assert set(data) == {
        "code",
        "procedure",
        "procedure_code",
        "agency",
        "status",
        "status_label",
        "received_at",
        "due_at",
        "finished_at",
    }
    assert client.get("/api/v1/dossiers/NOPE/status").status_code == 404

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/dossiers/{code}/status" in schema["paths"]


def _urls(d, doc):
    ref = d.ref
    return [
        ("get", reverse("portal:dossier-detail", kwargs={"ref": ref})),
        ("get", reverse("portal:dossier-edit", kwargs={"ref": ref})),
        ("get", reverse("portal:dossier-review", kwargs={"ref": ref})),
        ("get", reverse("portal:dossier-submitted", kwargs={"ref": ref})),
        ("get", reverse("portal:dossier-receipt", kwargs={"ref": ref})),
        ("get", reverse("portal:dossier-file", kwargs={"ref": ref, "pk": doc.pk})),
        ("post", reverse("portal:dossier-withdraw", kwargs={"ref": ref})),
        ("post", reverse("portal:dossier-supplement", kwargs={"ref": ref})),
        ("post", reverse("portal:dossier-message", kwargs={"ref": ref})),
        ("post", reverse("portal:dossier-rate", kwargs={"ref": ref})),
        ("post", reverse("portal:dossier-pay", kwargs={"ref": ref, "reference": "MC1"})),
    ]


def test_every_dossier_url_is_hidden_from_everyone_but_the_applicant(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    doc = dossier.documents.first()
    for method, url in _urls(dossier, doc):
        client.logout()
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"], url
        for person in (world.other, world.receptionist):
            force_login_verified(client, person)  # officials past the second factor
            assert getattr(client, method)(url, {"reason": "x", "body": "x"}).status_code == 404, (
                url
            )
        client.force_login(world.applicant)
        expected = (404,) if "/thanh-toan/" in url else (200, 302, 400)  # no such payment
        assert getattr(client, method)(url).status_code in expected, url
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING  # the POSTs above had no valid form data


def test_download_streams_the_file_privately(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    client.force_login(world.applicant)
    doc = dossier.documents.first()
    response = client.get(reverse("portal:dossier-file", kwargs={"ref": dossier.ref, "pk": doc.pk}))
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]


def test_supplement_withdraw_and_rate_from_the_dossier_page(client, world):
    client.force_login(world.applicant)
    d = world.dossier_built(Status.SUPPLEMENT_REQUESTED)
    asked = d.log.filter(action="request_supplement").latest("seq").note
    page = client.get(d.get_absolute_url()).content.decode()
    # What is missing stands beside the form that answers it.
    supplement_section = page.split('id="supp"')[1].split("</section>")[0]
    assert asked and asked in supplement_section
    url = reverse("portal:dossier-supplement", kwargs={"ref": d.ref})
    assert client.post(url, {"note": ""}).status_code == 400
    sent = client.post(url, {"note": "Đã bổ sung", "files": [pdf("bs.pdf")]}, follow=True)
    assert "Đã gửi hồ sơ bổ sung" in sent.content.decode()
    d.refresh_from_db()
    assert d.status == Status.PROCESSING

    # An evaluation that names no moment (or one the dossier has not reached).
    for moment in ({}, {"moment": "result"}, {"moment": "x" * 500}):
        forged = client.post(
            reverse("portal:dossier-rate", kwargs={"ref": d.ref}),
            {**dict.fromkeys(CRITERIA["result"], 5), **moment},
        )
        assert forged.status_code == 400
    assert not d.ratings.exists()

    withdraw = reverse("portal:dossier-withdraw", kwargs={"ref": d.ref})
    assert client.post(withdraw, {"reason": ""}).status_code == 400
    # The first post asks to confirm, and changes nothing.
    asked = client.post(withdraw, {"reason": "Không còn nhu cầu"})
    assert asked.status_code == 200
    assert "Rút hồ sơ này?" in asked.content.decode()
    assert "Không còn nhu cầu" in asked.content.decode()
    d.refresh_from_db()
    assert d.status == Status.PROCESSING
    done_page = client.post(withdraw, {"reason": "Không còn nhu cầu", "confirm": "1"}, follow=True)
    assert "Hồ sơ của bạn đã được rút" in done_page.content.decode()
    d.refresh_from_db()
    assert d.status == Status.WITHDRAWN
    assert d.log.latest("seq").note == "Không còn nhu cầu"

    done = world.dossier_built(Status.RETURNED)
    thanked = client.post(
        reverse("portal:dossier-rate", kwargs={"ref": done.ref}),
        {**dict.fromkeys(CRITERIA["result"], 4), "moment": "result", "comment": "Tốt"},
        follow=True,
    )
    assert done.ratings.get(moment="result").overall == 4
    html = thanked.content.decode()
    assert "Cảm ơn bạn đã đánh giá." in html and "4/5 - Hài lòng" in html


def test_submitting_is_for_the_applicant_only_and_only_when_complete(client, world):
    incomplete, complete = world.draft(), world.complete_draft()
    review = {
        d: reverse("portal:dossier-review", kwargs={"ref": d.ref}) for d in (incomplete, complete)
    }

    client.force_login(world.other)
    assert client.post(review[complete]).status_code == 404
    complete.refresh_from_db()
    assert complete.status == Status.DRAFT and not complete.code

    client.force_login(world.applicant)
    refused = client.post(review[incomplete])
    assert refused.status_code == 400
    assert world.document.name in refused.content.decode()  # listed as missing
    incomplete.refresh_from_db()
    assert incomplete.status == Status.DRAFT and not incomplete.log.filter(action="submit").exists()

    accepted = client.post(review[complete])
    assert accepted["Location"] == reverse("portal:dossier-submitted", kwargs={"ref": complete.ref})
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED and complete.code


def test_status_badges_tell_outcomes_apart(client, world):
    """Refused, returned and in progress look different; every status has a family."""
    from dossiers.constants import STATUS_TONES

    assert set(STATUS_TONES) == set(Status.values)
    refused = world.dossier_built(Status.REFUSED)
    returned = world.dossier_built(Status.RETURNED)
    waiting = world.dossier_built(Status.SUPPLEMENT_REQUESTED)
    client.force_login(world.applicant)
    html = client.get("/ho-so/").content.decode()
    for dossier, tone in ((refused, "ended"), (returned, "done"), (waiting, "waiting")):
        detail = client.get(dossier.get_absolute_url()).content.decode()
        assert f'class="badge badge--{tone}">{dossier.get_status_display()}<' in detail
        assert f'badge--{tone}">{dossier.get_status_display()}' in html
