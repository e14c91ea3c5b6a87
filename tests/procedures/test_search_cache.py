"""The cache of recent searches: a repeated search runs no ranking query, and every
change the public could see (publish, retire, rename, deactivate, agency links)
makes the next search read the database again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures import selectors, services
from procedures.constants import VersionStatus
from tests.procedures.factories import (
    AgencyFactory,
    ProcedureFactory,
    VersionFactory,
    published_procedure,
)

pytestmark = pytest.mark.django_db


def _search(text: str, page: int = 1, **filters):
    return selectors.procedure_page_for_public(
        query=selectors.parse_query(text), page=page, page_size=20, max_pages=50, **filters
    )


def _codes(text: str, **filters) -> list[str]:
    return [p.code for p in _search(text, **filters).procedures]


@pytest.fixture
def birth():
    return published_procedure(code="1.001193", name="Đăng ký khai sinh")


def test_a_repeated_search_runs_no_query(birth, django_assert_num_queries):
    first = _search("dang ky khai sinh")

    with django_assert_num_queries(0):
        again = _search("dang ky khai sinh")

    assert [p.code for p in again.procedures] == [p.code for p in first.procedures] == ["1.001193"]
    assert again.total == first.total == 1
    # What a row shows survives the cache.
    assert again.procedures[0].name == "Đăng ký khai sinh"
    assert again.procedures[0].first_channel is not None


def test_other_queries_filters_and_pages_are_cached_apart(birth):
    other = AgencyFactory()
    assert _codes("khai sinh") == ["1.001193"]

    assert _codes("khai sinh", agency_id=other.pk) == []
    assert _codes("ket hon") == []
    assert _search("khai sinh", page=7).number == 1  # clamped to the last page


def test_the_page_as_served_is_cached_too(client, birth):
    client.get("/thu-tuc/?q=dang+ky+khai+sinh")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/thu-tuc/?q=dang+ky+khai+sinh")

    assert "1.001193" in response.content.decode()
    assert not [q for q in queries.captured_queries if "procedures_procedure" in q["sql"]]


def test_retiring_the_published_version_removes_it_from_cached_results(birth):
    assert _codes("khai sinh") == ["1.001193"]

    services.procedure_version_retire(version=birth.versions.get(status=VersionStatus.PUBLISHED))

    assert _codes("khai sinh") == []


def test_publishing_brings_a_procedure_into_cached_results(birth):
    marriage = ProcedureFactory(code="1.000894", name="Đăng ký kết hôn")
    draft = VersionFactory(procedure=marriage)
    assert _codes("ket hon") == []  # only a draft: not public, and now cached

    services.procedure_version_publish(version=draft)

    assert _codes("ket hon") == ["1.000894"]


def test_renaming_or_deactivating_a_procedure_is_seen_at_once(birth):
    assert _codes("khai sinh") == ["1.001193"]

    birth.name = "Đăng ký khai sinh có yếu tố nước ngoài"
    birth.save()
    assert _search("khai sinh").procedures[0].name == birth.name

    birth.is_active = False
    birth.save()
    assert _codes("khai sinh") == []


def test_agency_links_invalidate_the_agency_filter(birth):
    ward = AgencyFactory()
    assert _codes("khai sinh", agency_id=ward.pk) == []

    birth.executing_agencies.add(ward)

    assert _codes("khai sinh", agency_id=ward.pk) == ["1.001193"]


def test_the_cache_can_be_turned_off(birth, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "SEARCH_CACHE_ENABLED", False)
    _search("dang ky khai sinh")

    with django_assert_num_queries(2):  # ranked ids, then the page's rows
        _search("dang ky khai sinh")


def test_the_api_list_is_cached_and_invalidated_alike(client, birth, django_assert_num_queries):
    url = "/api/v1/procedures/?q=dang+ky+khai+sinh"
    first = client.get(url).json()

    with django_assert_num_queries(0):
        again = client.get(url).json()
    assert again == first
    assert [p["code"] for p in again["results"]] == ["1.001193"]

    services.procedure_version_retire(version=birth.versions.get(status=VersionStatus.PUBLISHED))

    assert client.get(url).json()["results"] == []
