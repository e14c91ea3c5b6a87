"""Bad input is a 400 or a 404, never a 500: NUL bytes, over-long values and wrong
types in every path converter and every GET parameter the views read, anonymously."""

import itertools
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from dossiers.constants import Status
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
NUL = "\x00"
FUZZ = [NUL, f"a{NUL}b", "x" * 10_000, "-1", "9" * 30, "abc", "1.5", "' OR 1=1 --", "%", "[]"]

_ADDRESSES = itertools.count(1)


def _fresh_address() -> dict:
    # Each request from its own address: the rate limits of the public doors would
    # otherwise answer 429 before the view has read the values under test.
    n = next(_ADDRESSES)
    return {"REMOTE_ADDR": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"}


def _routes(resolver=None, prefix=""):
    """Every route of the site as a template: `thu-tuc/<str:code>/`, ..."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = str(pattern)
        elif isinstance(pattern, RegexPattern):
            regex = pattern.regex.pattern
            part = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
            if re.search(r"[()\[\]*+?{}|\\]", part.replace(r"\.", "")):
                continue  # a catch-all or a pattern with groups: its routes are tested alike
            part = part.replace(r"\.", ".")
        else:  # pragma: no cover - Django has only these two
            continue
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + part


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, value: str) -> str:
    return "/" + CONVERTER.sub(lambda _m: quote(value, safe=""), route)


def _parameter_names() -> set[str]:
    """Every GET parameter a view reads, found in the source, and the fields of the
    forms bound to GET."""
    names = set()
    reads = re.compile(
        r"(?:GET|query_params|params)(?:\.get|\.getlist|\.pop)?\(?\[?\s*[\"']([a-z_]+)[\"']"
    )
    for app in ("portal", "backoffice", "procedures", "dossiers", "notifications", "config"):
        for source in (ROOT / app).rglob("*.py"):
            names.update(reads.findall(source.read_text()))
    from backoffice.forms import QueueFilterForm
    from portal.catalogue_views import CatalogueFilterForm

    names.update(CatalogueFilterForm.base_fields, QueueFilterForm.base_fields)
    return names


@pytest.fixture
def world():
    world = World()
    dossier = world.complete_draft()
    from dossiers import services

    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    world.dossier = dossier
    return world


def test_the_route_and_parameter_lists_are_not_empty():
    routes = set(_routes())
    assert {"thu-tuc/<str:code>/", "tra-cuu/", "api/v1/dossiers/<str:code>/status"} <= routes
    assert len(routes) > 60
    assert {
        "ma",
        "q",
        "page",
        "sau",
        "field",
        "agency",
        "xem",
        "deep",
        "next",
    } <= _parameter_names()


@pytest.mark.parametrize("value", FUZZ, ids=lambda v: repr(v[:12]))
def test_no_route_answers_500_to_a_bad_path_value(client, value):
    for route in sorted(set(_routes())):
        if not CONVERTER.search(route):
            continue
        url = _fill(route, value)
        response = client.get(url, **_fresh_address())
        assert response.status_code < 500, url
        if NUL in value:
            assert response.status_code in {400, 404}, url


@pytest.mark.parametrize("value", FUZZ, ids=lambda v: repr(v[:12]))
def test_no_public_page_answers_500_to_bad_parameters(client, world, value):
    """Real objects in the path (so the view runs to the parameters), every parameter
    name at once carrying the bad value."""
    real = {
        "code": world.procedure.code,
        "ref": str(world.dossier.ref),
        "pk": str(world.dossier.documents.first().pk),
    }
    params = dict.fromkeys(_parameter_names(), value)
    for route in sorted(set(_routes())):
        url = "/" + CONVERTER.sub(lambda m: real.get(m.group(2), "1"), route)
        if route.startswith("api/v1/dossiers/"):
            url = f"/api/v1/dossiers/{world.dossier.code}/status"
        response = client.get(url, params, **_fresh_address())
        assert response.status_code < 500, url
        if NUL in value:
            assert response.status_code == 400, url


@pytest.mark.parametrize(
    "url",
    [
        "/tra-cuu/?ma=HS%00X",
        "/api/v1/dossiers/HS%00X/status",
        "/thu-tuc/1.000%00X/",
        "/thu-tuc/?q=%00",
        "/api/v1/procedures/?field=%00",
    ],
)
def test_a_nul_byte_is_a_400_in_the_users_language(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "không được phép" in response.json()["detail"]
    else:
        page = response.content.decode()
        assert "không được phép" in page
        assert 'lang="vi"' in page


def test_a_nul_byte_in_a_posted_form_is_a_400(client):
    response = client.post("/dang-nhap/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_an_over_long_lookup_code_is_an_ordinary_not_found(client):
    response = client.get("/tra-cuu/", {"ma": "H" * 10_000})
    assert response.status_code == 200


@pytest.mark.parametrize("remove", ["abc", "", "1.5", "-1", "١٢"])
def test_removing_a_file_with_a_bad_number_changes_nothing(client, world, remove):
    dossier = world.draft()
    from dossiers import services
    from tests.dossiers.factories import pdf

    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf(),
    )
    client.force_login(world.applicant)
    edit = reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})

    response = client.post(edit, {"remove": remove})

    assert response.status_code == 400
    assert "Tải lại trang" in response.content.decode()
    assert dossier.documents.count() == 1


def test_removing_a_file_by_an_unknown_or_huge_number_changes_nothing(client, world):
    dossier = world.complete_draft()
    client.force_login(world.applicant)
    edit = reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})
    for remove in ("9" * 30, "999999"):
        response = client.post(edit, {"remove": remove})
        assert response.status_code == 302
    assert dossier.documents.count() == 1
