"""Catalogue search benchmark (not a test): p50/p95 of /thu-tuc/?q= through the full
Django stack (middleware, view, selectors, template) against two floors, in the same
run, on the ~2,600-name national catalogue:

- `floor`: one indexed query and a tiny text response - the cost of Django's
  middleware stack itself;
- `page floor`: the same query rendered into the site's base template (header, menu,
  footer, context processors) - what every HTML page of the portal pays (Django's own
  floor for a page).

The search page is measured twice: as served (the result page from the cache of
recent searches, warm after the first round: the same 30 queries repeat, as popular queries do)
and with that cache bypassed (every request ranks in PostgreSQL), so both costs show.
The verdict is about the page as served.

    DATABASE_URL=... .venv/bin/python bench/search_benchmark.py [--rounds 20]

It uses the test settings, hence the test Redis database: while tests run on the same
Redis, give it another one (MOTCUA_TEST_REDIS_DB=14), as tests empty theirs constantly.

It imports names.jsonl into the configured database first when the catalogue is
smaller than that (idempotent), then ANALYZEs the catalogue tables. Target:
search p95 < 50 ms and within 3x the floor's p95; the verdict is printed against both
floors. Exits 1 when the target against `--against` (default: the plain floor) is
missed.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# One client sends hundreds of requests a minute: lift the API throttles for the run
# (the catalogue API counts per client address).
os.environ.setdefault("API_ANON_RATE", "1000000/minute")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from procedures import selectors  # noqa: E402
from procedures.importer import import_names  # noqa: E402
from procedures.models import Procedure  # noqa: E402

QUERIES = [
    "dang ky khai sinh",
    "dang ky khai snh",
    "khai sin",
    "dang ky ket hon",
    "dang ki ket hon",
    "khai tu",
    "giam ho",
    "xac nhan tinh trang hon nhan",
    "cai chinh ho tich",
    "dang ky thuong tru",
    "dang ky tam tru",
    "giay phep lai xe",
    "giay phep lai",
    "cap lai the can cuoc",
    "ho chieu pho thong",
    "ly lich tu phap",
    "phieu ly lch tu phap",
    "chung thuc ban sao",
    "chung thuc chu ky",
    "thanh lap ho kinh doanh",
    "cong chung vien",
    "phong chay chua chay",
    "ma so thue",
    "dang ky xe lan dau",
    "giay phep xay dung",
    "hai quan",
    "tau bien",
    "ngan hang",
    "1.000894",
    "3.00034",
]


def floor(request):
    """One indexed query and a tiny response: the cost of the stack itself."""
    name = Procedure.objects.filter(code="1.000894").values_list("name", flat=True).first()
    return HttpResponse(name or "-", content_type="text/plain; charset=utf-8")


PAGE_FLOOR = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}'
    '<div class="container page"><h1 class="page__title">{{ name }}</h1></div>'
    "{% endblock %}"
)


def page_floor(request):
    """The same indexed query rendered into the site's base template."""
    name = Procedure.objects.filter(code="1.000894").values_list("name", flat=True).first()
    return HttpResponse(PAGE_FLOOR.render({"name": name or "-"}, request))


urlpatterns = [
    path("__floor__/", floor),
    path("__page_floor__/", page_floor),
    path("", include(settings.ROOT_URLCONF)),
]


class search_cache:
    """Turn the search-results cache (procedures.selectors) on or off for a block."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        selectors.SEARCH_CACHE_ENABLED = self.enabled

    def __exit__(self, *exc):
        selectors.SEARCH_CACHE_ENABLED = True


def measure(client, urls, rounds):
    timings = []
    for _ in range(rounds):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return timings


def pct(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--names", default=str(settings.CATALOGUE_DATA_DIR / "names.jsonl"))
    parser.add_argument("--against", choices=["floor", "page floor"], default="floor")
    args = parser.parse_args()

    if Procedure.objects.count() < 2500:
        print("loading the catalogue ...", flush=True)
        import_names(args.names)  # ends with ANALYZE of the catalogue tables
    count = Procedure.objects.count()
    load = os.getloadavg()

    with override_settings(ROOT_URLCONF=__name__):
        client = Client()
        search_urls = [f"/thu-tuc/?q={q.replace(' ', '+')}" for q in QUERIES]
        api_urls = [f"/api/v1/procedures/?q={q.replace(' ', '+')}" for q in QUERIES]
        floor_urls = ["/__floor__/"] * len(QUERIES)
        page_floor_urls = ["/__page_floor__/"] * len(QUERIES)
        # Warm up connections, caches and template loading.
        measure(client, search_urls + floor_urls + page_floor_urls + api_urls[:3], 2)
        results = {}
        # Interleave the runs so that machine noise hits all of them alike.
        for _ in range(args.rounds):
            for label, urls, cached in (
                ("floor", floor_urls, True),
                ("page floor", page_floor_urls, True),
                ("search page", search_urls, True),
                ("search, no cache", search_urls, False),
                ("search API", api_urls, True),
            ):
                with search_cache(cached):
                    results.setdefault(label, []).extend(measure(client, urls, 1))
    print(f"catalogue: {count} procedures; {len(QUERIES)} queries x {args.rounds} rounds")
    print(f"load average before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"{'view':<18}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for label, values in results.items():
        print(f"{label:<18}{len(values):>9}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}")
    search_p95 = pct(results["search page"], 95)
    verdicts = {}
    for floor_label in ("floor", "page floor"):
        floor_p95 = pct(results[floor_label], 95)
        verdicts[floor_label] = search_p95 < 50 and search_p95 <= 3 * floor_p95
        print(
            f"search page p95 {search_p95:.1f} ms; {floor_label} p95 {floor_p95:.1f} ms; "
            f"ratio {search_p95 / floor_p95:.1f}x -> target (<50 ms and <=3x) "
            + ("met" if verdicts[floor_label] else "MISSED")
        )
    return 0 if verdicts[args.against] else 1


if __name__ == "__main__":
    sys.exit(main())
