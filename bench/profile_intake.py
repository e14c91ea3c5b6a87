"""In-process profile of the two filing doors: the partner API's intake
(`POST /api/v1/dossiers/`, each under a new external id) and the portal's submission
(`POST /ho-so/<ref>/xem-lai/`), each request's latency split into SQL and the rest,
and the CPU time this process spent on it ("cpu": what caps a server's throughput).

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/profile_intake.py [--n 200]
        [--only intake,submission] [--cprofile intake]

No server and no network: Django's test client through the whole middleware stack,
with the request bench/locustfile.py sends (`ApiIntake`, `Submitter`), on the fixtures
bench/prepare.py makes (`api_fixtures`, complete drafts of the demo's ward procedure).
Run it on a database made as bench/README.md says (`seed_demo` then
`generate_load_data`); every run files new dossiers there.
"""

import argparse
import cProfile
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import inprocess

inprocess.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from bench.prepare import api_fixtures, make_filing_ready, session_for  # noqa: E402
from dossiers import services  # noqa: E402
from dossiers.declaration import prefilled  # noqa: E402
from dossiers.demo import WARD_CODE, demo_upload  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from identity.models import User  # noqa: E402
from identity.selectors import applicant_facts  # noqa: E402
from procedures.models import Agency  # noqa: E402

HOST = inprocess.HOST


class Split(inprocess.SqlTimer):
    """The request's SQL, with its statements."""

    def reset(self):
        super().reset()
        self.statements = []

    def spent(self, seconds, sql):
        self.statements.append(sql)


SPLIT = Split()


def intake_requests(agency):
    """Endless intake bodies (as `ApiIntake` sends them) and the client to send them."""
    api = api_fixtures(agency)
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {api['key']}")
    n = 0

    def send():
        nonlocal n
        n += 1
        person = api["applicants"][n % len(api["applicants"])]
        body = {
            "external_id": f"{api['run']}-{n}",
            "procedure": api["procedure"],
            "case": api["case"],
            "channel": "online",
            "receiving_agency": api["agency"],
            "applicant": person,
            "declaration": {k: v.format(**person) for k, v in api["declaration"].items()},
        }
        response = client.post("/api/v1/dossiers/", body, content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    return send


def submission_requests(agency, count: int, citizens: int = 40):
    """`count` complete drafts of the demo's ward procedure (as bench/prepare.py makes
    them) and a sender that submits the next one through the portal."""
    people = list(
        User.objects.filter(dossiers__receiving_agency=agency)
        .annotate(n=Count("dossiers"))
        .order_by("-n", "pk")[:citizens]
    )
    template = (
        Dossier.objects.filter(receiving_agency=agency, applicant__username="congdan")
        .exclude(submitted_at=None)
        .select_related("version__procedure", "case")
        .first()
    )
    for user in people:
        make_filing_ready(user)
    sessions = {}
    drafts = []
    with transaction.atomic():
        for i in range(count):
            user = people[i % len(people)]
            draft = services.dossier_create_draft(
                applicant=user,
                version=template.version,
                case=template.case,
                receiving_agency=agency,
            )
            data = {**template.form_data, **prefilled(template.version, applicant_facts(user))}
            services.dossier_save_declaration(dossier_id=draft.pk, actor=user, data=data)
            for document in template.case.documents.all():
                services.dossier_attach_file(
                    dossier_id=draft.pk,
                    actor=user,
                    required_document_id=document.pk,
                    upload=demo_upload("giay-to.pdf", f"Bench {draft.pk}"),
                )
            drafts.append((user.pk, str(draft.ref)))
    clients = {}
    for user in people:
        client = Client(HTTP_HOST=HOST)
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions.setdefault(
            user.pk, session_for(user)
        )
        clients[user.pk] = client
    pending = iter(drafts)

    def send():
        user_pk, ref = next(pending)
        response = clients[user_pk].post(
            f"/ho-so/{ref}/xem-lai/", {"csrfmiddlewaretoken": secrets.token_hex(16)}
        )
        assert response.status_code == 302 and "/da-nop/" in response["Location"], (
            response.status_code,
            ref,
        )

    return send


def measure(send, n):
    rows = []
    for _ in range(n):
        SPLIT.reset()
        began, cpu = time.perf_counter(), time.process_time()
        send()
        rows.append(
            (
                time.perf_counter() - began,
                SPLIT.sql,
                SPLIT.queries,
                time.process_time() - cpu,
            )
        )
    return rows


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--cprofile", default="", help="intake or submission: its cProfile")
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    parser.add_argument("--dump", default="", help="write the cProfile stats to this file")
    parser.add_argument("--sort", default="cumulative", help="cProfile's sort order")
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    agency = Agency.objects.get(code=WARD_CODE)
    total = args.warm + args.n * (2 if args.cprofile == "submission" else 1)
    table = {
        "intake": lambda: intake_requests(agency),
        "submission": lambda: submission_requests(agency, total),
    }
    senders = {name: make() for name, make in table.items() if not only or name in only}
    results = {}
    with connection.execute_wrapper(SPLIT.execute):
        for name, send in senders.items():
            measure(send, args.warm)
            if args.sql:
                print(f"-- {name}: {SPLIT.queries} statements")
                for statement in SPLIT.statements:
                    print(statement[:300])
            if name == args.cprofile:
                profiler = cProfile.Profile()
                profiler.enable()
                measure(send, args.n)
                profiler.disable()
                if args.dump:
                    profiler.dump_stats(args.dump)
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(70)
        for name, send in senders.items():
            results[name] = measure(send, args.n)
    print(
        f"{'request':12} {'p50 ms':>7} {'p95 ms':>7} {'mean':>6} {'q':>4} {'sql':>6} {'py':>6}"
        f" {'cpu':>6}"
    )
    for name, rows in results.items():
        totals = [r[0] for r in rows]
        mean = statistics.mean(totals)
        sql = statistics.mean(r[1] for r in rows)
        print(
            f"{name:12} {p(totals, 0.5) * 1000:7.1f} {p(totals, 0.95) * 1000:7.1f}"
            f" {mean * 1000:6.1f} {statistics.mean(r[2] for r in rows):4.0f}"
            f" {sql * 1000:6.1f} {(mean - sql) * 1000:6.1f}"
            f" {statistics.mean(r[3] for r in rows) * 1000:6.1f}"
        )


if __name__ == "__main__":
    main()
