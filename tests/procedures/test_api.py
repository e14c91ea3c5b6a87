"""Public read-only catalogue API and its OpenAPI schema."""

import pytest
from django.core.cache import cache

from tests.procedures.factories import AgencyFactory, VersionFactory, published_procedure

pytestmark = pytest.mark.django_db


def test_list_search_and_filters(client):
    a = published_procedure(
        name="Đăng ký khai sinh", code="1.001193", levels=["ward"], online_level="full"
    )
    published_procedure(name="Cấp giấy phép xây dựng", code="1.009972", levels=["province"])
    VersionFactory()  # a draft-only procedure is not public

    data = client.get("/api/v1/procedures/").json()
    assert data["count"] == 2
    assert {r["code"] for r in data["results"]} == {"1.001193", "1.009972"}

    data = client.get("/api/v1/procedures/", {"q": "dang ky khai sinh"}).json()
    assert [r["code"] for r in data["results"]] == ["1.001193"]
    row = data["results"][0]
    assert row["url"].endswith("/api/v1/procedures/1.001193/")
    assert row["channels"][0]["processing_time"] == 3
    assert row["channels"][0]["fees"][0]["amount"] == 8000

    assert client.get("/api/v1/procedures/", {"level": "province"}).json()["count"] == 1
    assert client.get("/api/v1/procedures/", {"online": "full"}).json()["count"] == 1
    assert client.get("/api/v1/procedures/", {"field": a.field.code}).json()["count"] == 1
    assert client.get("/api/v1/procedures/", {"field": "nope"}).json()["count"] == 0
    agency = a.executing_agencies.get()
    assert client.get("/api/v1/procedures/", {"agency": agency.code}).json()["count"] == 1
    assert client.get("/api/v1/procedures/", {"q": "%%%"}).status_code == 200


def test_detail(client):
    p = published_procedure(code="1.000894", name="Đăng ký kết hôn", documents=2)
    p.legal_bases.create(number="60/2014/QH13", title="Luật Hộ tịch")

    response = client.get("/api/v1/procedures/1.000894/")

    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "Đăng ký kết hôn"
    assert data["version"]["number"] == p.versions.get().number
    assert len(data["cases"][0]["documents"]) == 2
    assert data["legal_bases"] == [{"number": "60/2014/QH13", "title": "Luật Hộ tịch"}]
    assert client.get("/api/v1/procedures/9.999999/").status_code == 404


def test_pagination_is_bounded(client):
    for i in range(3):
        published_procedure(code=f"2.00000{i}", documents=0)
    data = client.get("/api/v1/procedures/", {"page_size": 2}).json()
    assert len(data["results"]) == 2 and data["next"]
    data = client.get("/api/v1/procedures/", {"page_size": 100000}).json()
    assert len(data["results"]) == 3
    assert client.get("/api/v1/procedures/", {"page": 99}).status_code == 404


def test_read_only(client):
    published_procedure(code="1.000001")
    assert client.post("/api/v1/procedures/", {}).status_code == 405
    assert client.delete("/api/v1/procedures/1.000001/").status_code == 405


def test_throttled(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute"},
    }
    from rest_framework.throttling import SimpleRateThrottle

    old = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        cache.clear()
        codes = [client.get("/api/v1/procedures/").status_code for _ in range(4)]
        # Counted per address: a made-up X-Forwarded-For is no new client.
        forged = client.get("/api/v1/procedures/", HTTP_X_FORWARDED_FOR="10.9.8.7")
    finally:
        SimpleRateThrottle.THROTTLE_RATES = old
    assert codes == [200, 200, 200, 429]
    assert forged.status_code == 429


def test_openapi_schema_documents_the_catalogue(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/procedures/" in text
    assert "/api/v1/procedures/{code}/" in text
    if schema:
        params = {p["name"] for p in schema["paths"]["/api/v1/procedures/"]["get"]["parameters"]}
        assert {"q", "field", "level", "agency", "online", "page"} <= params


def test_agency_filter_includes_units_below(client):
    city = AgencyFactory(kind="city", code="000.00.00.H29")
    dept = AgencyFactory(kind="department", parent=city)
    p = published_procedure()
    p.executing_agencies.set([dept])
    assert client.get("/api/v1/procedures/", {"agency": "000.00.00.H29"}).json()["count"] == 1


def test_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/procedures/{code}/" in out.read_text()
