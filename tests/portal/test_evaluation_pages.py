"""The applicant's evaluation on the dossier page: one form per moment reached and not
evaluated yet, what was given shown instead; no JavaScript; nothing written on a
refusal; another person's dossier is a 404."""

import pytest
from django.urls import reverse

from dossiers.constants import Action, Status
from dossiers.evaluation import CRITERIA
from dossiers.models import Rating
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


@pytest.fixture
def world(db):
    return World()


def _page(client, dossier):
    return client.get(reverse("portal:dossier-detail", kwargs={"ref": dossier.ref}))


def _rate(client, dossier, moment, score=4, **extra):
    return client.post(
        reverse("portal:dossier-rate", kwargs={"ref": dossier.ref}),
        {**dict.fromkeys(CRITERIA.get(moment, ()), score), "moment": moment, **extra},
    )


def test_the_page_offers_a_form_per_open_moment_and_shows_what_was_given(client, world):
    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)  # received, then asked
    client.force_login(world.applicant)
    html = _page(client, dossier).content.decode()
    assert "Đánh giá việc giải quyết hồ sơ" in html
    assert 'id="rate-receipt"' in html and 'id="rate-supplement"' in html
    assert 'id="rate-result"' not in html and 'id="rate-refusal"' not in html
    # Each form has its own ids, and every score has its label.
    assert 'for="id_receipt_overall_0"' in html and 'id="id_supplement_contacts_0"' in html
    assert 'id="id_receipt_contacts_0"' not in html  # not asked at receipt
    # Labelled radio scales, nothing chosen in advance.
    assert "5 - Rất hài lòng" in html and 'type="radio" name="overall"' in html
    assert "checked" not in html.split('id="rate-receipt"')[1].split("</form>")[0]

    response = _rate(client, dossier, "supplement", score=2, comment="Phải đi lại hai lần")
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.moment, rating.contacts, rating.comment) == (
        "supplement",
        2,
        "Phải đi lại hai lần",
    )
    row = dossier.log.get(action=Action.RATE)
    assert row.data == {"moment": "supplement", "overall": 2}

    html = _page(client, dossier).content.decode()
    assert 'id="id_supplement_overall_0"' not in html  # evaluated: no form any more
    assert "Đánh giá của bạn ngày" in html and "2/5 - Không hài lòng" in html
    assert "Phải đi lại hai lần" in html
    assert 'id="id_receipt_overall_0"' in html  # the receipt is still open


def test_a_second_evaluation_of_a_moment_is_refused_and_writes_nothing(client, world):
    dossier = world.dossier_in(Status.REFUSED)
    client.force_login(world.applicant)
    assert _rate(client, dossier, "refusal").status_code == 302
    logs = dossier.log.count()
    again = _rate(client, dossier, "refusal", score=1)
    assert again.status_code == 400
    assert "Bạn đã đánh giá bước này của hồ sơ rồi." in again.content.decode()
    assert dossier.log.count() == logs
    assert Rating.objects.get(dossier=dossier).overall == 4


def test_bad_evaluations_are_a_400_never_a_500(client, world):
    dossier = world.dossier_in(Status.RECEIVED)
    client.force_login(world.applicant)
    cases = [
        _rate(client, dossier, "result"),  # not reached
        _rate(client, dossier, "nonsense"),
        _rate(client, dossier, "receipt", score=9),
        _rate(client, dossier, "receipt", comment="x" * 5000),
        client.post(reverse("portal:dossier-rate", kwargs={"ref": dossier.ref}), {}),
    ]
    assert [r.status_code for r in cases] == [400] * len(cases)
    assert "Chưa thể đánh giá bước này của hồ sơ." in cases[0].content.decode()
    assert not Rating.objects.exists()
    assert not dossier.log.filter(action=Action.RATE).exists()


def test_another_persons_dossier_is_a_404(client, world):
    dossier = world.dossier_in(Status.RESULT_READY)
    for person in (world.other, world.receptionist):
        force_login_verified(client, person)
        assert _rate(client, dossier, "result").status_code == 404
        assert _page(client, dossier).status_code == 404
    assert not Rating.objects.exists()


def test_a_dossier_with_no_moment_yet_offers_no_evaluation(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    client.force_login(world.applicant)
    assert 'id="rate"' not in _page(client, dossier).content.decode()
