"""The benchmark floor view: routed only with BENCH_FLOOR, one query."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from tests.procedures.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def _reload_urls():
    import config.urls

    clear_url_caches()
    importlib.reload(config.urls)


@pytest.fixture
def floor_on():
    with override_settings(BENCH_FLOOR=True):
        _reload_urls()
        yield
    _reload_urls()


def test_floor_is_not_routed_by_default(client):
    _reload_urls()
    assert client.get("/bench/floor/").status_code == 404


def test_floor_answers_with_one_query(client, floor_on, django_assert_num_queries):
    procedure = ProcedureFactory()
    with django_assert_num_queries(1):
        response = client.get(f"/bench/floor/?id={procedure.pk}")
    assert response.status_code == 200
    assert response.content.decode() == procedure.code
    assert client.get("/bench/floor/?id=nonsense").status_code == 200
    assert client.post("/bench/floor/").status_code in (403, 405)
