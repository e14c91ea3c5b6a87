"""The public catalogue pages: /thu-tuc/ and /thu-tuc/<code>/."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.constants import VersionStatus
from tests.procedures.factories import (
    AgencyFactory,
    ProcedureFactory,
    VersionFactory,
    published_procedure,
)

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_shows_code_name_agency_time_fee_and_badge(client):
    p = published_procedure(name="Đăng ký khai sinh", code="1.001193", online_level="full")

    html = _html(client.get("/thu-tuc/"))

    assert '<h1 class="page__title">Thủ tục hành chính</h1>' in html
    assert "Đăng ký khai sinh" in html and "1.001193" in html
    assert f'href="/thu-tuc/{p.code}/"' in html
    assert p.executing_agencies.get().name in html
    assert "3 ngày làm việc" in html
    assert "8.000 đ" in html
    assert "Trực tuyến toàn trình" in html


def test_drafts_retired_and_inactive_procedures_are_not_public(client):
    VersionFactory(procedure=ProcedureFactory(name="Bản nháp"))
    VersionFactory(procedure=ProcedureFactory(name="Đã bãi bỏ"), retired=True)
    published_procedure(name="Ngừng áp dụng", is_active=False)

    html = _html(client.get("/thu-tuc/"))

    assert "Bản nháp" not in html and "Đã bãi bỏ" not in html and "Ngừng áp dụng" not in html
    assert client.get("/thu-tuc/1.999999/").status_code == 404


def test_search_without_accents_and_by_code(client):
    published_procedure(name="Đăng ký khai sinh", code="1.001193")
    published_procedure(name="Cấp giấy phép xây dựng", code="1.009972")

    html = _html(client.get("/thu-tuc/", {"q": "dang ky khai sinh"}))
    assert "Đăng ký khai sinh" in html and "Cấp giấy phép xây dựng" not in html

    html = _html(client.get("/thu-tuc/", {"q": "1.009972"}))
    assert "Cấp giấy phép xây dựng" in html and "Đăng ký khai sinh" not in html


def test_filters(client):
    ward = AgencyFactory(name="Phường Bến Nghé")
    a = published_procedure(name="Thủ tục A", online_level="full", levels=["ward"])
    b = published_procedure(name="Thủ tục B", online_level="none", levels=["province"])
    a.executing_agencies.add(ward)

    assert "Thủ tục B" not in _html(client.get("/thu-tuc/", {"online": "full"}))
    assert "Thủ tục A" not in _html(client.get("/thu-tuc/", {"level": "province"}))
    html = _html(client.get("/thu-tuc/", {"field": b.field_id}))
    assert "Thủ tục B" in html and "Thủ tục A" not in html
    html = _html(client.get("/thu-tuc/", {"agency": ward.pk}))
    assert "Thủ tục A" in html and "Thủ tục B" not in html


def test_agency_filter_includes_units_below(client):
    city = AgencyFactory(name="UBND Thành phố", kind="city")
    department = AgencyFactory(name="Sở Tư pháp", kind="department", parent=city)
    p = published_procedure(name="Cấp phiếu lý lịch tư pháp")
    p.executing_agencies.set([department])

    assert "Cấp phiếu lý lịch tư pháp" in _html(client.get("/thu-tuc/", {"agency": city.pk}))


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "   "},
        {"q": "%%%$$$!!!"},
        {"q": "'; DROP TABLE procedures_procedure; --"},
        {"q": "khai sinh " * 100},
        {"field": "abc", "level": "nope", "agency": "-1", "online": "x", "page": "0"},
        {"page": "99999"},
        {"page": "abc"},
    ],
)
def test_bad_input_gives_a_normal_page(client, params):
    published_procedure(name="Đăng ký khai sinh")

    response = client.get("/thu-tuc/", params)

    assert response.status_code == 200
    assert '<h1 class="page__title">Thủ tục hành chính</h1>' in _html(response)


def test_a_nul_byte_in_the_search_is_refused_with_a_page(client):
    response = client.get("/thu-tuc/", {"q": "khai\x00sinh"})

    assert response.status_code == 400
    assert "ký tự không được phép" in _html(response)


def test_symbol_only_and_long_queries_explain_what_happened(client):
    published_procedure(name="Đăng ký khai sinh")
    assert "không có chữ hoặc số" in _html(client.get("/thu-tuc/", {"q": "%%%"}))
    assert "200 ký tự" in _html(client.get("/thu-tuc/", {"q": "x" * 300}))


def test_no_result_says_what_to_try(client):
    published_procedure(name="Đăng ký khai sinh")

    html = _html(client.get("/thu-tuc/", {"q": "zzzzqqq", "online": "full"}))

    assert "Không có thủ tục nào phù hợp" in html
    assert "1.000894" in html
    assert "Bỏ các bộ lọc" in html


def test_query_is_escaped(client):
    html = _html(client.get("/thu-tuc/", {"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pagination_is_bounded(client):
    for i in range(23):
        published_procedure(name=f"Thủ tục số {i}", code=f"2.{i:06d}", documents=0)

    html = _html(client.get("/thu-tuc/"))
    assert "Trang 1/2" in html
    assert 'href="?page=2"' in html
    html = _html(client.get("/thu-tuc/", {"page": 2}))
    assert html.count('class="procedure-item card"') == 3
    assert 'start="21"' in html
    # A page past the end shows the last page.
    assert 'start="21"' in _html(client.get("/thu-tuc/", {"page": 50}))


def test_htmx_request_gets_only_the_results(client):
    published_procedure(name="Đăng ký khai sinh")

    html = _html(client.get("/thu-tuc/", {"q": "khai sinh"}, HTTP_HX_REQUEST="true"))

    assert html.lstrip().startswith('<section id="catalogue-results"')
    assert "<html" not in html


def test_list_runs_a_fixed_number_of_queries(client):
    published_procedure(code="3.000001", name="Đăng ký khai sinh")
    small = (_queries(client, "/thu-tuc/"), _queries(client, "/thu-tuc/?q=khai+sinh"))
    for i in range(15):
        published_procedure(name=f"Đăng ký khai sinh {i}", channels=3, documents=4, agencies=2)

    large = (_queries(client, "/thu-tuc/"), _queries(client, "/thu-tuc/?q=khai+sinh"))

    assert small == large
    assert large[0] <= 8


def test_detail_runs_a_fixed_number_of_queries(client):
    small = published_procedure(documents=1, channels=1, agencies=1)
    big = published_procedure(documents=12, channels=3, agencies=3)

    assert _queries(client, f"/thu-tuc/{small.code}/") == _queries(client, f"/thu-tuc/{big.code}/")


def test_detail_shows_everything_a_citizen_needs(client):
    p = published_procedure(
        name="Đăng ký kết hôn",
        code="1.000894",
        documents=2,
        online_level="full",
        steps_description=["Bước 1: Nộp hồ sơ", "Bước 2: Nhận kết quả"],
    )
    agency = p.executing_agencies.get()
    agency.address, agency.opening_hours = (
        "45 Lê Duẩn, phường Sài Gòn",
        "Thứ Hai - Thứ Sáu 7:30 - 17:00",
    )
    agency.save()
    p.legal_bases.create(number="60/2014/QH13", title="Luật Hộ tịch")
    p.results.create(name="Giấy chứng nhận kết hôn")

    html = _html(client.get("/thu-tuc/1.000894/"))

    assert '<h1 class="page__title">Đăng ký kết hôn</h1>' in html
    for text in (
        "Trực tuyến",
        "3 ngày làm việc",
        "8.000 đ",
        "Tờ khai số",
        "Bước 1: Nộp hồ sơ",
        "60/2014/QH13",
        "Giấy chứng nhận kết hôn",
        "45 Lê Duẩn",
        "Nộp hồ sơ trực tuyến",
    ):
        assert text in html, text
    # Anonymous: sign in, then straight on to filing.
    assert re.search(r'href="/dang-nhap/\?next=/thu-tuc/1.000894/nop-ho-so/"', html)


def test_detail_without_online_channel_has_no_call_to_action(client):
    p = published_procedure(online_level="none", channels=0)
    html = _html(client.get(f"/thu-tuc/{p.code}/"))
    assert "Nộp hồ sơ trực tuyến" not in html
    assert "chưa được công bố" in html


def test_detail_shows_the_published_version_not_the_draft(client):
    p = published_procedure(code="1.000001")
    VersionFactory(procedure=p, status=VersionStatus.DRAFT, steps_description=["Bản nháp bước"])
    assert "Bản nháp bước" not in _html(client.get("/thu-tuc/1.000001/"))


def test_signed_in_citizen_goes_straight_to_filing(client):
    from tests.identity.factories import UserFactory

    procedure = published_procedure(code="1.000895", online_level="full")
    client.force_login(UserFactory(citizen=True))
    html = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert 'href="/thu-tuc/1.000895/nop-ho-so/"' in html


def _search_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries if '"search_vector" @@' in q["sql"]]


def test_search_answers_with_one_ranked_query_when_every_word_matches(client):
    published_procedure(code="3.000001", name="Đăng ký khai sinh")

    # No separate EXISTS probe, no separate count: one ranked query gives both.
    assert len(_search_queries(client, "/thu-tuc/?q=khai+sinh")) == 1
    # A typo: the strict query finds nothing, then the relaxed one runs.
    typo = _search_queries(client, "/thu-tuc/?q=dang+ky+khai+snh")
    assert len(typo) == 2
    assert "Đăng ký khai sinh" in _html(client.get("/thu-tuc/?q=dang+ky+khai+snh"))


def test_filter_options_are_cached_and_follow_catalogue_changes(client):
    from procedures.models import Field

    published_procedure(name="Đăng ký khai sinh")
    client.get("/thu-tuc/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/thu-tuc/")
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sqls if s.startswith('SELECT "procedures_field"."id"')]
    assert not [s for s in sqls if 'FROM "procedures_agency"' in s]

    field = Field.objects.create(code="G01", name="Giáo dục và đào tạo")
    assert "Giáo dục và đào tạo" in _html(client.get("/thu-tuc/"))
    field.name = "Giáo dục nghề nghiệp"
    field.save()
    html = _html(client.get("/thu-tuc/"))
    assert "Giáo dục nghề nghiệp" in html and "Giáo dục và đào tạo" not in html
    agency = AgencyFactory(name="Phường Bến Thành", kind="ward")
    assert "Phường Bến Thành" in _html(client.get("/thu-tuc/"))
    agency.delete()
    assert "Phường Bến Thành" not in _html(client.get("/thu-tuc/"))


def test_filter_options_are_escaped_and_keep_the_selection(client):
    from procedures.models import Field

    field = Field.objects.create(code="X1", name='<script>alert("x")</script> & co')

    html = _html(client.get(f"/thu-tuc/?field={field.pk}"))

    assert "<script>alert" not in html
    assert f'<option value="{field.pk}" selected>&lt;script&gt;alert(&quot;x&quot;)' in html


def test_the_page_title_names_the_search(client):
    """The title is what a screen reader announces first and what a browser tab shows."""
    published_procedure(name="Đăng ký khai sinh", code="1.001193")
    title = re.search(
        r"<title>(.*?)</title>", _html(client.get("/thu-tuc/", {"q": "khai sinh"})), re.S
    )
    assert "khai sinh" in title.group(1) and "%(query)s" not in title.group(1)
    plain = re.search(r"<title>(.*?)</title>", _html(client.get("/thu-tuc/")), re.S)
    assert "khai sinh" not in plain.group(1)
