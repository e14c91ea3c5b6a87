"""Search quality over the real ~2,600-name national catalogue, as citizens type, and
the import of that list (loaded once here: the import is the slow part)."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from procedures.constants import OnlineLevel, VersionStatus
from procedures.importer import import_names, import_paths
from procedures.models import Agency, Procedure
from procedures.selectors import parse_query, procedure_public_queryset, procedure_search
from procedures.services import catalogue_cache_clear, procedure_demand_store
from tests.helpers import rolled_back_after

NAMES = Path(settings.CATALOGUE_DATA_DIR) / "names.jsonl"
NATIONAL = Path(settings.CATALOGUE_DATA_DIR) / "national"

# One xdist worker loads the catalogue for the whole module under `--dist loadgroup`
# (the default distribution spreads the module's tests, and each worker loads it).
pytestmark = pytest.mark.xdist_group("catalogue")


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """The real catalogue as the demo loads it: the 46 full national records, then the
    list of names, loaded once for this module and rolled back after it, so that no
    other test sees 2,600 procedures; the names import's report."""
    with rolled_back_after(django_db_blocker):
        import_paths([NATIONAL])
        yield import_names(NAMES)


def _catalogue_size() -> int:
    """The names of the list, plus the national records it does not name."""
    codes = {json.loads(line)["code"] for line in NAMES.read_text().splitlines() if line.strip()}
    codes |= {path.stem for path in NATIONAL.glob("*.json")}
    return len(codes)


@pytest.mark.django_db
def test_names_list_imports_every_line_and_keeps_full_records(catalogue):
    report = catalogue
    lines = NAMES.read_text().splitlines()

    assert report.failures == []
    assert report.created + report.unchanged == len(lines)
    assert Procedure.objects.count() == _catalogue_size()
    full = Procedure.objects.get(code="1.000178")
    assert full.source == Procedure.Source.NATIONAL
    assert full.executing_agencies.exists()
    light = Procedure.objects.exclude(source=Procedure.Source.NATIONAL).first()
    assert light.versions.get().status == VersionStatus.PUBLISHED
    assert light.field is not None
    assert not Agency.objects.filter(code="").exists()

    again = import_names(NAMES)
    assert again.created == again.updated == again.failed == 0


# (query as a citizen types it, code expected in the top 5)
QUERIES = [
    ("dang ky khai sinh", "1.001193"),  # no diacritics
    ("đăng ký khai sinh", "1.001193"),  # with diacritics
    ("dang ky khai snh", "1.001193"),  # one typo
    ("khai sin", "1.001193"),  # partial word
    ("dang ky ket hon", "1.000894"),
    ("dang ki ket hon", "1.000894"),  # "ki" for "ký"
    ("dang ky kêt hôn", "1.000894"),  # wrong diacritics
    ("ket hon", "1.000894"),
    ("khai tu", "1.000656"),
    ("dang ky khai tư", "1.000656"),
    ("giam ho", "1.004837"),
    ("xac nhan tinh trang hon nhan", "1.004873"),
    ("tinh trang hon nhan", "1.004873"),
    ("cai chinh ho tich", "1.004859"),
    ("dang ky thuong tru", "1.004222"),
    ("dang ky tam tru", "1.004194"),
    ("xoa dang ky thuong tru", "1.003197"),
    ("giay phep lai xe", "3.000346"),
    ("giay phep lai", "3.000346"),  # partial
    ("doi giay phep lai xe", "3.000347"),
    ("cap lai giay phep lai xe", "3.000348"),
    ("cap lai the can cuoc", "1.014064"),
    ("doi the can cuoc", "1.014063"),
    ("ho chieu pho thong", "1.001456"),
    ("cap ho chieu", "1.001456"),
    ("ly lich tu phap", "3.000333"),
    ("phieu ly lch tu phap", "3.000333"),  # typo
    ("chung thuc ban sao", "2.000815"),
    ("chung thuc chu ky", "2.000884"),
    ("thanh lap ho kinh doanh", "1.001612"),
    ("ho kinh doanh", "1.001612"),
    ("bo nhiem cong chung vien", "1.013803"),
    ("cong chung vien", "1.013803"),
    ("tham dinh thiet ke phong chay", "3.000489"),
    ("phong chay chua chay", "3.000489"),
    ("khoi phuc ma so thue", "1.008510"),
    ("cham dut hieu luc ma so thue", "1.007607"),
    ("dang ky xe lan dau", "1.012575"),
    ("1.000894", "1.000894"),  # exact code first
    ("3.000346", "3.000346"),
    ("1.00089", "1.000894"),  # code prefix
    ("  Đăng   Ký   KẾT   hôn  ", "1.000894"),  # spaces and capitals
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "code"), QUERIES)
def test_the_right_procedure_is_in_the_top_five(catalogue, query, code):
    results = list(
        procedure_search(procedure_public_queryset(), parse_query(query)).values_list(
            "code", flat=True
        )[:5]
    )
    assert code in results, (query, results)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["1.000894", "3.000346", "1.004222"])
def test_exact_code_comes_first(catalogue, code):
    first = procedure_search(procedure_public_queryset(), parse_query(code)).first()
    assert first.code == code


@pytest.mark.django_db
def test_the_catalogue_holds_the_whole_list(catalogue):
    assert procedure_public_queryset().count() == _catalogue_size() >= 2600


@pytest.mark.django_db
def test_nonsense_finds_nothing(catalogue):
    assert not procedure_search(procedure_public_queryset(), parse_query("qqqxxzz")).exists()


def test_query_parsing_drops_symbols_and_caps_length():
    assert not parse_query("%%% !!! ---")
    assert parse_query("Đăng ký   KHAI-sinh!").terms == ("dang", "ky", "khai", "sinh")
    assert len(parse_query("a" * 5000).raw) == 200
    assert parse_query("1.000894").code == "1.000894"
    assert parse_query("khai sinh").code is None


# --- ranking: relevance first, then what citizens file ----------------------------------

CRIMINAL_RECORD = "ly lich tu phap"
# The four real "Cấp Phiếu lý lịch tư pháp…" procedures: 3.000333 is the one citizens
# file (at the city, online); 3.000334 and 3.000335 are for agencies and courts asking
# about someone; 3.000330 is the ministry's, for people without a residence.
CRIMINAL_RECORD_CODES = {"3.000330", "3.000333", "3.000334", "3.000335"}


def _ranked(query, **kwargs):
    return list(
        procedure_search(procedure_public_queryset(), parse_query(query), **kwargs).values_list(
            "code", flat=True
        )
    )


def _make_fully_online(code):
    # As the city does for the procedures it offers online (procedures.demo).
    Procedure.objects.filter(code=code).update(online_level=OnlineLevel.FULL)
    catalogue_cache_clear()


@pytest.mark.django_db
def test_equally_relevant_procedures_rank_by_what_citizens_file(catalogue):
    assert set(_ranked(CRIMINAL_RECORD)) == CRIMINAL_RECORD_CODES
    # The four names match the query equally well: the shortest name came first, the
    # courts' procedure, before the city offered 3.000333 online.
    assert _ranked(CRIMINAL_RECORD)[0] == "3.000335"

    _make_fully_online("3.000333")
    assert _ranked(CRIMINAL_RECORD)[0] == "3.000333"
    assert _ranked("phieu ly lch tu phap")[0] == "3.000333"  # with a typo too

    # Filed much more often beats being online: the counts come from the statistics.
    ids = dict(Procedure.objects.filter(code__in=CRIMINAL_RECORD_CODES).values_list("code", "pk"))
    procedure_demand_store(counts={ids["3.000334"]: 5000, ids["3.000333"]: 20})
    assert _ranked(CRIMINAL_RECORD)[:2] == ["3.000334", "3.000333"]
    procedure_demand_store(counts={ids["3.000333"]: 5000, ids["3.000334"]: 20})
    assert _ranked(CRIMINAL_RECORD)[:2] == ["3.000333", "3.000334"]


@pytest.mark.django_db
def test_individuals_see_the_procedures_for_individuals_first(catalogue):
    _make_fully_online("3.000333")
    anonymous = _ranked(CRIMINAL_RECORD)
    individual = _ranked(CRIMINAL_RECORD, for_individual=True)
    # 3.000330 is for citizens ("Công dân Việt Nam"); 3.000334/335 for bodies and
    # officials acting for their agency.
    assert individual[:2] == ["3.000333", "3.000330"]
    assert anonymous.index("3.000330") > anonymous.index("3.000335")


@pytest.mark.django_db
def test_relevance_comes_before_popularity(catalogue):
    # "Đăng ký lại khai sinh" does not hold the query as a phrase: filed ever so
    # often and online, it still comes after the procedures that do.
    pk = Procedure.objects.get(code="1.004884").pk
    _make_fully_online("1.004884")
    procedure_demand_store(counts={pk: 100_000})
    ranked = _ranked("dang ky khai sinh")
    assert ranked.index("1.001193") < ranked.index("1.004884")
    assert ranked[0] != "1.004884"


@pytest.mark.django_db
def test_the_portal_and_the_api_rank_alike(catalogue, client):
    _make_fully_online("3.000333")
    page = client.get("/thu-tuc/", {"q": CRIMINAL_RECORD})
    api = client.get("/api/v1/procedures/", {"q": CRIMINAL_RECORD}).json()
    codes = [row["code"] for row in api["results"]]
    assert codes == _ranked(CRIMINAL_RECORD)
    html = page.content.decode()
    positions = [html.index(code) for code in codes]
    assert positions == sorted(positions), codes


@pytest.mark.django_db
def test_the_signed_in_citizen_gets_the_individual_ranking(catalogue, client):
    _make_fully_online("3.000333")
    citizen = get_user_model().objects.create_user("citizen", password="x" * 12)
    client.force_login(citizen)
    html = client.get("/thu-tuc/", {"q": CRIMINAL_RECORD}).content.decode()
    assert html.index("3.000330") < html.index("3.000335") < html.index("3.000334")


@pytest.mark.django_db
def test_the_ranked_search_is_served_by_the_full_text_index(catalogue):
    qs = procedure_search(
        procedure_public_queryset(), parse_query(CRIMINAL_RECORD), for_individual=True
    )
    with connection.cursor() as cursor:
        # The planner rightly reads all of 2,600 rows (a sequential scan, or the whole
        # primary key); without those it shows the index it takes on a larger
        # catalogue (procedures/migrations/0002). The ranking then sorts the matches
        # only: it adds no scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = qs[:20].explain()
    assert "Bitmap Index Scan on procedure_search_vector" in plan, plan
    assert "Seq Scan" not in plan, plan
