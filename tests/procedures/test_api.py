"""Public read-only catalogue API and its OpenAPI schema."""

import pytest

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


def test_throttled_per_client_address(client, settings):
    settings.API_ANON_RATE = "3/minute"
    codes = [client.get("/api/v1/procedures/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # A forged X-Forwarded-For is not a new client.
    forged = client.get("/api/v1/procedures/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert forged.status_code == 429
    # Another address has its own budget.
    assert client.get("/api/v1/procedures/", REMOTE_ADDR="10.0.0.9").status_code == 200


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


def test_agencies_tree_filters_and_keyset_pages(client, django_assert_max_num_queries):
    city = AgencyFactory(code="000.00.00.H29", name="UBND Thành phố")
    for i in range(3):
        AgencyFactory(code=f"000.20.0{i}.H29", parent=city, is_receiving_point=i > 0)
    AgencyFactory(code="000.99.99.H29", is_active=False)
    with django_assert_max_num_queries(2):
        data = client.get("/api/v1/agencies/", {"page_size": 2}).json()
    assert [a["code"] for a in data["results"]] == ["000.00.00.H29", "000.20.00.H29"]
    assert data["results"][1]["parent"] == "000.00.00.H29"
    rest = client.get(data["next"]).json()
    assert [a["code"] for a in rest["results"]] == ["000.20.01.H29", "000.20.02.H29"]
    assert rest["next"] is None
    below = client.get("/api/v1/agencies/", {"parent": city.code, "receiving": "true"}).json()
    assert [a["code"] for a in below["results"]] == ["000.20.01.H29", "000.20.02.H29"]
    one = client.get("/api/v1/agencies/000.00.00.H29/").json()
    assert one["name"] == "UBND Thành phố" and one["parent"] is None
    assert client.get("/api/v1/agencies/000.99.99.H29/").status_code == 404


def test_fields(client):
    from tests.procedures.factories import FieldFactory

    FieldFactory(code="G09-TP01", name="Hộ tịch")
    data = client.get("/api/v1/fields/").json()
    assert {"code": "G09-TP01", "name": "Hộ tịch"} in data["results"]
    assert client.get("/api/v1/fields/G09-TP01/").json()["name"] == "Hộ tịch"
    assert client.get("/api/v1/fields/nope/").status_code == 404
