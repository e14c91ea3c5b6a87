"""In-process profile of the hot pages: each page's latency, and where it goes (SQL,
template rendering, the rest of Python), against the floor page measured in the same run.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/profile_pages.py [--n 200]
        [--only workbench,queue:all] [--pyinstrument workbench] [--cprofile workbench]
        [--statistics [--cold]]

`--statistics` profiles the pages of bench/statistics_mix.py instead (the ward's
leader, the city overseer, anonymous visitors; `{start}`/`{end}` a random year of the
past three, as the load run picks them); `--cold` empties the cache before each
request, so every request computes its figures afresh.

No server and no network: Django's test client, signed in as the demo's ward officials
and its busiest citizen by sessions written into the store (as `bench/prepare.py` does),
through the whole middleware stack. Run it on a database made as bench/README.md says
(`seed_demo` then `generate_load_data`). Template time is the top-level render minus the
SQL run while rendering (a lazy queryset); "python" is what is left of the request.
"""

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inprocess

# Hundreds of requests a minute to the public statistics API from one address.
inprocess.setup(STATISTICS_API_RATE="1000000")

from django.db import connection  # noqa: E402
from django.template.backends.django import Template as BackendTemplate  # noqa: E402
from django.test import Client  # noqa: E402

from bench.prepare import session_for  # noqa: E402
from dossiers.constants import Status  # noqa: E402
from dossiers.demo import WARD_CODE  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from identity.models import User  # noqa: E402
from procedures.models import Procedure  # noqa: E402

HOST = inprocess.HOST


class Split(inprocess.SqlTimer):
    """Time spent in SQL and in top-level template rendering, for the current request."""

    rendering = False

    def reset(self):
        super().reset()
        self.template = self.sql_in_template = 0.0

    def spent(self, seconds, sql):
        if self.rendering:
            self.sql_in_template += seconds


SPLIT = Split()
_render = BackendTemplate.render


def _timed_render(self, context=None, request=None):
    if SPLIT.rendering:
        return _render(self, context, request)
    SPLIT.rendering = True
    began = time.perf_counter()
    try:
        return _render(self, context, request)
    finally:
        SPLIT.template += time.perf_counter() - began
        SPLIT.rendering = False


BackendTemplate.render = _timed_render


def client_for(user, *, official=False) -> Client:
    client = Client(HTTP_HOST=HOST)
    from django.conf import settings

    client.cookies[settings.SESSION_COOKIE_NAME] = session_for(user, official=official)
    return client


def pages():
    agency_officials = {
        role: client_for(User.objects.get(username=name), official=True)
        for role, name in (
            ("receptionist", "tiepnhan.phuong"),
            ("specialist", "chuyenvien.phuong"),
        )
    }
    from django.db.models import Count

    citizen = (
        User.objects.filter(dossiers__receiving_agency__code=WARD_CODE)
        .annotate(n=Count("dossiers"))
        .order_by("-n", "pk")
        .first()
    )
    citizen_client = client_for(citizen)
    refs = [
        str(r)
        for r in Dossier.objects.filter(applicant=citizen)
        .exclude(status__in=[Status.DRAFT, Status.DISCARDED])
        .values_list("ref", flat=True)[:5]
    ]
    workbench = [
        str(r)
        for r in Dossier.objects.filter(receiving_agency__code=WARD_CODE, status=Status.PROCESSING)
        .order_by("-pk")
        .values_list("ref", flat=True)[:50]
    ]
    codes = list(Procedure.objects.order_by("pk").values_list("code", flat=True)[:200])
    ids = list(Procedure.objects.order_by("pk").values_list("pk", flat=True)[:200])
    anon = Client(HTTP_HOST=HOST)
    rec, spec = agency_officials["receptionist"], agency_officials["specialist"]
    return {
        "floor": (anon, lambda: f"/bench/floor/?id={random.choice(ids)}"),
        "workbench": (rec, lambda: f"/mot-cua/ho-so/{random.choice(workbench)}/"),
        "workbench (specialist)": (spec, lambda: f"/mot-cua/ho-so/{random.choice(workbench)}/"),
        "queue: all": (rec, lambda: "/mot-cua/?hang-doi=all"),
        "queue: to receive": (rec, lambda: "/mot-cua/?hang-doi=receive"),
        "queue: overdue": (rec, lambda: "/mot-cua/?hang-doi=overdue"),
        "queue: mine": (spec, lambda: "/mot-cua/?hang-doi=mine"),
        "dossier page": (citizen_client, lambda: f"/ho-so/{random.choice(refs)}/"),
        "my dossiers": (citizen_client, lambda: "/ho-so/"),
        "procedure page": (anon, lambda: f"/thu-tuc/{random.choice(codes)}/"),
    }, {
        # Warmed at every address, as a long load run does (caches filled).
        "workbench": [f"/mot-cua/ho-so/{ref}/" for ref in workbench],
        "workbench (specialist)": [f"/mot-cua/ho-so/{ref}/" for ref in workbench],
        "dossier page": [f"/ho-so/{ref}/" for ref in refs],
        "procedure page": [f"/thu-tuc/{code}/" for code in codes],
    }


def statistics_pages():
    from bench.prepare import city_overseer
    from bench.statistics_mix import STATISTICS

    people = {
        "leader": client_for(User.objects.get(username="lanhdao.phuong"), official=True),
        "overseer": client_for(city_overseer(), official=True),
        None: Client(HTTP_HOST=HOST),
    }

    def a_year():
        start = dt.date.today() - dt.timedelta(days=random.randint(365, 3 * 365))
        return {"start": start.isoformat(), "end": (start + dt.timedelta(days=364)).isoformat()}

    ids = list(Procedure.objects.order_by("pk").values_list("pk", flat=True)[:200])
    table = {"floor": (people[None], lambda: f"/bench/floor/?id={random.choice(ids)}")}
    for label, who, path in STATISTICS:
        # No commas: `--only` is a comma-separated list.
        table[label.removeprefix("statistics: ").replace(",", "")] = (
            people[who],
            lambda path=path: path.format(**a_year()),
        )
    return table, {}


COLD = False


def forget_statistics():
    """Drop the cached figures (the statistics' keys only: the sessions live there too)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match="*:indicators:*", count=1000):
        client.delete(key)


def measure(client, url, n):
    rows = []
    for _ in range(n):
        if COLD:
            forget_statistics()
        SPLIT.reset()
        began = time.perf_counter()
        response = client.get(url())
        total = time.perf_counter() - began
        assert response.status_code == 200, (url(), response.status_code)
        rows.append((total, SPLIT.sql, SPLIT.template - SPLIT.sql_in_template, SPLIT.queries))
    return rows


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--cprofile", default="", help="a page name: print its cProfile")
    parser.add_argument("--pyinstrument", default="", help="a page name: print its profile")
    parser.add_argument("--statistics", action="store_true", help="bench/statistics_mix.py")
    parser.add_argument("--cold", action="store_true", help="empty the cache before each request")
    args = parser.parse_args()
    random.seed(7)
    global COLD
    COLD = args.cold
    table, every = statistics_pages() if args.statistics else pages()
    only = [name for name in args.only.split(",") if name]
    connection.ensure_connection()
    chosen = {n: t for n, t in table.items() if not only or n in only or n == "floor"}
    with connection.execute_wrapper(SPLIT.execute):
        for name, (client, url) in chosen.items():
            measure(client, url, args.warm)
            for address in every.get(name, ()):
                measure(client, lambda address=address: address, 1)
            if name == args.cprofile:
                profiler = cProfile.Profile()
                profiler.enable()
                measure(client, url, args.n)
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats(
                    os.environ.get("PROFILE_SORT", "cumulative")
                )
                stats.print_stats(int(os.environ.get("PROFILE_LINES", "60")))
            if name == args.pyinstrument:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
                measure(client, url, args.n)
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
        # Round robin, one request of each page in turn: the machine's load varies
        # through the run and every page shares it alike.
        results = {name: [] for name in chosen}
        for _ in range(args.n):
            for name, (client, url) in chosen.items():
                results[name] += measure(client, url, 1)
    floor = results["floor"]
    f50, f95 = p([r[0] for r in floor], 0.5), p([r[0] for r in floor], 0.95)
    print(
        f"{'page':34} {'p50 ms':>7} {'p95 ms':>7} {'x floor':>7} {'q':>3} "
        f"{'sql':>6} {'tmpl':>6} {'py':>6}  (means, ms)"
    )
    for name, rows in results.items():
        totals = [r[0] for r in rows]
        t50, t95 = p(totals, 0.5), p(totals, 0.95)
        mean = statistics.mean
        sql, tmpl = mean(r[1] for r in rows), mean(r[2] for r in rows)
        py = mean(totals) - sql - tmpl
        print(
            f"{name[:34]:34} {t50 * 1000:7.1f} {t95 * 1000:7.1f} {t95 / f95:4.1f}/{t50 / f50:3.1f}"
            f" {rows[0][3]:>3} {sql * 1000:6.1f} {tmpl * 1000:6.1f} {py * 1000:6.1f}"
        )


if __name__ == "__main__":
    main()
