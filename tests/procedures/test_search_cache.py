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


# --- the rendered page (portal.catalogue_views) ------------------------------------------


def _page(client, url="/thu-tuc/?q=khai+sinh", **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_repeated_page_renders_no_catalogue_template(client, birth):
    first = _rendered_templates(client)
    again = _rendered_templates(client)

    assert "portal/catalogue/list_content.html" in first
    assert "portal/catalogue/list.html" in again  # the header around it, every time
    assert "portal/catalogue/list_content.html" not in again
    assert "1.001193" in _page(client)


def test_the_rendered_page_follows_catalogue_changes(client, birth):
    assert "1.001193" in _page(client)

    services.procedure_version_retire(version=birth.versions.get(status=VersionStatus.PUBLISHED))

    html = _page(client)
    assert "1.001193" not in html
    assert "No procedure matches." in html or "Không có thủ tục" in html


def test_languages_htmx_and_query_strings_are_cached_apart(client, birth):
    vietnamese = _page(client)
    client.cookies["django_language"] = "en"
    english = _page(client)
    fragment = _page(client, HTTP_HX_REQUEST="true")
    filtered = _page(client, "/thu-tuc/?q=khai+sinh&online=full")

    assert 'lang="vi"' in vietnamese and "Thủ tục hành chính" in vietnamese
    assert 'lang="en"' in english and "Administrative procedures" in english
    assert "Thủ tục hành chính" not in english
    assert fragment.lstrip().startswith('<section id="catalogue-results"')
    assert "<html" in _page(client)  # the full page is not the fragment's entry
    assert 'value="full" selected' in filtered
    assert 'value="full" selected' not in english


def test_one_persons_header_never_reaches_anothers_cached_page(client, birth):
    from tests.identity.factories import UserFactory

    citizen = UserFactory(citizen=True, full_name="Nguyễn Văn Riêng")
    client.force_login(citizen)
    assert "Nguyễn Văn Riêng" in _page(client)
    signed_in_token = client.cookies["csrftoken"].value

    client.logout()
    client.cookies.pop("csrftoken", None)
    anonymous = _page(client)

    assert "Nguyễn Văn Riêng" not in anonymous
    assert signed_in_token not in anonymous
    assert "1.001193" in anonymous


def test_a_new_release_does_not_serve_the_old_releases_html(client, birth, monkeypatch):
    from portal import catalogue_views

    _page(client)
    assert "portal/catalogue/list_content.html" not in _rendered_templates(client)

    monkeypatch.setattr(catalogue_views, "_templates_digest", lambda: "another-release")

    assert "portal/catalogue/list_content.html" in _rendered_templates(client)


def _rendered_templates(client) -> list[str]:
    from django.test.signals import template_rendered

    rendered = []

    def record(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        _page(client)
    finally:
        template_rendered.disconnect(record)
    return rendered
