"""EXPLAIN ANALYZE every query of the benchmarked pages.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/explain.py --out bench/plans/1m.txt

Requests each page through Django's test client as the benchmark's people (the ward's
officials, a citizen with dossiers, anonymous), captures the SQL it runs, and runs
`EXPLAIN (ANALYZE, BUFFERS)` on every SELECT. Prints, per page, the number of queries,
the slowest one, the sum over the page (planning + execution: planning a many-table
join can cost more than running it) and any sequential scan of a big table; writes
every plan to `--out`.
Exits 1 when a big table is scanned sequentially.
"""

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
os.environ["DEBUG"] = "false"
os.environ.setdefault("DOSSIER_LOOKUP_RATE", "100000000")
# Every query a page can run: the queue tabs' counts too, which the count cache would
# otherwise answer for the measured (second) request.
os.environ["QUEUE_COUNTS_CACHE_SECONDS"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dossiers.constants import Status  # noqa: E402
from dossiers.demo import WARD_CODE  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from identity.models import User  # noqa: E402
from procedures.models import Agency, Procedure  # noqa: E402
from tests.helpers import force_login_verified  # noqa: E402

BIG = (
    "dossiers_dossier",
    "dossiers_dossierlog",
    "dossiers_storedfile",
    "dossiers_dossierdocument",
    "dossiers_dossiermessage",
    "dossiers_rating",
    "identity_user",
)
SEQ = re.compile(r"Seq Scan on (\w+)")
TIME = re.compile(r"Execution Time: ([\d.]+) ms")
PLANNING = re.compile(r"Planning Time: ([\d.]+) ms")


def pages():
    agency = Agency.objects.get(code=WARD_CODE)
    citizen = (
        User.objects.filter(dossiers__receiving_agency=agency, username__startswith="load")
        .order_by("-pk")
        .first()
    )
    mine = Dossier.objects.filter(applicant=citizen).exclude(status=Status.DRAFT).first()
    processing = Dossier.objects.filter(receiving_agency=agency, status=Status.PROCESSING).last()
    code = Dossier.objects.filter(receiving_agency=agency).exclude(code=None).last().code
    procedure = Procedure.objects.order_by("pk").first()
    officials = {n: User.objects.get(username=n) for n in ("tiepnhan.phuong", "chuyenvien.phuong")}
    return [
        ("catalogue search", None, "/thu-tuc/?q=dang ky khai sinh"),
        ("procedure page", None, f"/thu-tuc/{procedure.code}/"),
        ("public lookup", None, f"/tra-cuu/?ma={code}"),
        ("my dossiers", citizen, "/ho-so/"),
        ("dossier page", citizen, f"/ho-so/{mine.ref}/"),
        ("queue: to receive", officials["tiepnhan.phuong"], "/mot-cua/?hang-doi=receive"),
        ("queue: mine", officials["chuyenvien.phuong"], "/mot-cua/?hang-doi=mine"),
        ("queue: overdue", officials["tiepnhan.phuong"], "/mot-cua/?hang-doi=overdue"),
        ("queue: all", officials["tiepnhan.phuong"], "/mot-cua/?hang-doi=all"),
        # Name searches: a family name a third of the city shares, and one person.
        ("queue: name (family)", officials["tiepnhan.phuong"], "/mot-cua/?hang-doi=all&q=nguyen"),
        (
            "queue: name (person)",
            officials["tiepnhan.phuong"],
            f"/mot-cua/?hang-doi=all&q={citizen.full_name}",
        ),
        ("workbench", officials["tiepnhan.phuong"], f"/mot-cua/ho-so/{processing.ref}/"),
    ]


def api_pages():
    """The partner API's reads (bench/locustfile.py `ApiReader`), with a new client's key."""
    from api.clients import api_client_create
    from api.constants import Scope

    agency = Agency.objects.get(code=WARD_CODE)
    key = api_client_create(
        name="Bench explain", agencies=[agency], scopes=[Scope.DOSSIERS_READ]
    ).key
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2 * 365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code = Dossier.objects.filter(receiving_agency=agency).exclude(code=None).last().code
    return [
        (
            "api: list, since a date",
            headers,
            f"/api/v1/dossiers/?agency={WARD_CODE}&updated_since={since}",
        ),
        ("api: dossier", headers, f"/api/v1/dossiers/{code}/"),
    ]


def statistics_pages():
    """The lines of bench/statistics_mix.py, the `{start}`/`{end}` year fixed."""
    from bench.prepare import city_overseer
    from bench.statistics_mix import STATISTICS
    from indicators import reports

    # Every request computes the public report (the pages' cache would answer the
    # measured, second request).
    reports.PUBLIC_CACHE_SECONDS = 0
    people = {"leader": User.objects.get(username="lanhdao.phuong"), "overseer": city_overseer()}
    start = dt.date.today() - dt.timedelta(days=400)
    year = {"start": start.isoformat(), "end": (start + dt.timedelta(days=364)).isoformat()}
    return [(label, people.get(who), path.format(**year)) for label, who, path in STATISTICS]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "plans" / "plans.txt"))
    parser.add_argument(
        "--only",
        choices=("all", "main", "statistics", "api"),
        default="all",
        help="the main mix's pages, the statistics pages (bench/statistics_mix.py), the "
        "partner API's reads, or all of them",
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    total = Dossier.objects.count()
    report, plans, bad = [], [f"# {total} dossiers\n"], 0
    chosen = (
        (pages() if args.only in ("all", "main") else [])
        + (statistics_pages() if args.only in ("all", "statistics") else [])
        + (api_pages() if args.only in ("all", "api") else [])
    )
    for name, user, url in chosen:
        # An API page's "user" is its Authorization header.
        client = Client(**user) if isinstance(user, dict) else Client()
        if user is not None and not isinstance(user, dict):
            if user.official_memberships.exists():
                force_login_verified(client, user)
            else:
                client.force_login(user)
        client.get(url)  # warm caches (calendar, catalogue options)
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        selects = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
        slowest, page_ms, scans = 0.0, 0.0, set()
        plans.append(f"\n## {name}  GET {url} -> {status}, {len(selects)} queries\n")
        with connection.cursor() as cursor:
            for sql in selects:
                # Best of three: the machine is shared, one run can be preempted.
                runs = []
                for _ in range(3):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    ms = float(TIME.search(plan).group(1)) + float(PLANNING.search(plan).group(1))
                    runs.append((ms, plan))
                ms, plan = min(runs)
                slowest = max(slowest, ms)
                page_ms += ms
                scans |= {t for t in SEQ.findall(plan) if t in BIG}
                plans.append(f"\n-- {ms:.2f} ms\n{sql}\n{plan}\n")
        bad += bool(scans)
        seq = ", ".join(sorted(scans)) or "-"
        report.append(
            f"| {name} | {status} | {len(selects)} | {slowest:.2f} | {page_ms:.2f} | {seq} |"
        )
    out.write_text("".join(plans))
    print(f"{total} dossiers; plans in {out}")
    print("| page | HTTP | queries | slowest query ms | all queries ms | seq scans of big tables |")
    print("|---|---:|---:|---:|---:|---|")
    print("\n".join(report))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
