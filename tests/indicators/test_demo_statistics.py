"""The demo data's statistics render: `seed_demo` refreshes the summary, a demo leader
sees the page and its export, and /minh-bach/ shows the demo agencies."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from indicators.models import DailyStat
from tests.helpers import force_login_verified
from tests.procedures.test_demo import data_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_catalogue", "fake_pdf")]


@pytest.fixture
def demo_catalogue(settings, data_dir):  # noqa: F811
    settings.CATALOGUE_DATA_DIR = data_dir


def test_the_demo_statistics_render():
    call_command("seed_demo", "--quiet")
    assert DailyStat.objects.exists()
    leaders = get_user_model().objects.filter(official_memberships__role="leader").distinct()
    assert leaders
    for leader in leaders:
        client = force_login_verified(Client(), leader)
        for query in ({}, {"ky": "year"}, {"ky": "year", "xuat": "xlsx"}):
            assert client.get("/mot-cua/thong-ke/", query).status_code == 200
    today = timezone.localdate()
    page = Client().get("/minh-bach/", {"ky": "year"})
    assert page.status_code == 200
    assert (
        Client()
        .get(
            "/api/v1/statistics/agencies/",
            {"from": f"{today.year}-01-01", "to": f"{today.year}-12-31"},
        )
        .json()["agencies"]
    )
