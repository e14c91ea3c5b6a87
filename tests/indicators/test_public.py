"""`/minh-bach/` and `/api/v1/statistics/agencies/`: no sign-in, no personal data, the
same figures, `finished` = the agency's dossiers whose result was returned."""

import pytest
from django.test import Client

from dossiers.constants import Action
from dossiers.models import Dossier, DossierLog
from indicators.periods import parse_date
from indicators.refresh import day_bounds

# One worker builds the data set (conftest.py) once for the module (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("indicators_public")]

API = "/api/v1/statistics/agencies/"


def returned_in(agency_ids, start, end):
    """Counted from the dossiers and their log, not from the summary."""
    begin, _ = day_bounds(parse_date(start, "from"))
    _, finish = day_bounds(parse_date(end, "to"))
    ids = DossierLog.objects.filter(
        action=Action.RETURN_RESULT, created_at__gte=begin, created_at__lt=finish
    ).values("dossier_id")
    return Dossier.objects.filter(pk__in=ids).filter(receiving_agency_id__in=agency_ids).count()


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-03-31"), ("2026-03-05", "2026-03-09")],
)
def test_finished_is_the_returned_dossiers_of_each_agency(data, start, end):
    body = Client().get(API, {"from": start, "to": end}).json()
    rows = {row["code"]: row for row in body["agencies"]}
    ward, ward2 = rows[data.ward.code], rows[data.ward2.code]
    assert ward["finished"] == returned_in([data.ward.pk], start, end)
    assert ward2["finished"] == returned_in([data.ward2.pk], start, end)
    assert rows[data.city.code]["finished"] == returned_in(
        [data.ward.pk, data.ward2.pk], start, end
    )
    assert body["city"]["finished"] == rows[data.city.code]["finished"]


def test_the_march_figures_of_the_ward(data):
    body = Client().get(API, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    ward = next(r for r in body["agencies"] if r["code"] == data.ward.code)
    assert ward["name"] == data.ward.name and ward["depth"] == 1
    assert (ward["received"], ward["finished"], ward["finished_on_time"]) == (9, 4, 3)
    assert ward["on_time_rate"] == 75.0
    assert ward["online_rate"] == 77.8
    assert ward["satisfaction"] == {"average": 3.67, "good_rate": 66.7, "ratings": 3}
    index = ward["index"]
    # 2.1: 20 x 3/4 = 15; 3.1: 8 x 1/2 = 4; 3.2: 8 x 4/4 = 8; 4.1: 12 x 7/9 = 9.33;
    # 4.2: 10 x 1/2 = 5; 5.3: 6 x 2/3 = 4. Feedback (5.1, 5.2), 1.1, 1.2, 3.3: no data.
    assert index["groups"] == {"1": 0.0, "2": 15.0, "3": 12.0, "4": 14.33, "5": 4.0}
    assert index["total"] == 45.33
    assert index["measurable"] == 64.0
    # 45.33 x 100 / 64 = 70.83: "Khá" (fair) on the points MotCua can measure.
    assert index["scaled"] == 70.83
    assert index["ranking"] in ("Khá", "Fair")
    assert [g["points"] for g in body["index_groups"]] == [18, 20, 22, 22, 18]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2026-03-01"},
        {"from": "03/01/2026", "to": "2026-03-31"},
        {"from": "2026-04-01", "to": "2026-03-01"},
        {"from": "9999-12-31", "to": "9999-12-31"},
    ],
)
def test_bad_dates_answer_400_with_the_reason(db, query):
    response = Client().get(API, query)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_the_api_is_rate_limited(db, settings):
    settings.STATISTICS_API_RATE = 2
    client = Client()
    query = {"from": "2026-03-01", "to": "2026-03-31"}
    assert [client.get(API, query).status_code for _ in range(3)] == [200, 200, 429]


def test_the_api_is_in_the_openapi_schema(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/statistics/agencies/" in schema
    assert "finished_on_time" in schema


def test_the_public_page_needs_no_sign_in_and_shows_no_personal_data(data):
    response = Client().get("/minh-bach/", {"tu": "2026-03-01", "den": "2026-03-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert data.ward.name in page and data.ward2.name in page
    people = [
        data.world.applicant,
        data.world.other,
        data.world.receptionist,
        data.world.specialist,
        data.world.leader,
    ]
    for person in people:
        assert person.username not in page
        assert not person.email or person.email not in page
        assert not person.id_number or person.id_number not in page
    # The officials' first names (Lan, Minh, Nam) are words of any page; the
    # applicants' full names are not.
    assert data.world.applicant.full_name not in page
    assert data.world.other.full_name not in page
    for dossier in (data.D1, data.D3, data.D11):
        assert dossier.code not in page
        assert str(dossier.ref) not in page
    assert "Phạm Thu Hà" not in page


def test_the_public_page_explains_a_bad_period(db):
    response = Client().get("/minh-bach/", {"tu": "2026-02-31", "den": "2026-03-31"})
    assert response.status_code == 400
    assert response.context["error"]
