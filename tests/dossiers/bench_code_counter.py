"""How long a submission holds the agency's day code counter (not collected; run it
on its own, against the test database, e.g. on a quiet machine):

    .venv/bin/pytest tests/dossiers/bench_code_counter.py -q -s

From the counter's statement to the end of the commit: sequential submissions (the
statements under the row and the commit apart), then 8 threads submitting to the same
agency. Threads of one process share the GIL, so the rate here is not the site's."""

import threading
import time

import pytest
from django.db import connections

from dossiers import services
from dossiers.models import Dossier

SEQUENTIAL, PARALLEL, THREADS = 60, 96, 8


def ms(values, share=0.5) -> str:
    return f"{sorted(values)[int(len(values) * share)] * 1e3:.2f} ms"


def timed(seen: dict):
    """Record, per submission, the time from the counter's statement to the commit's end."""
    db = connections["default"]
    commit = db.commit

    def committing():
        started = time.perf_counter()
        commit()
        if "from" in seen:
            now = time.perf_counter()
            seen.setdefault("held", []).append(now - seen.pop("from"))
            seen.setdefault("commit", []).append(now - started)
            seen.setdefault("statements", []).append(seen.pop("statement"))

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if "dossiercodecounter" in sql:
                seen["from"], seen["statement"] = started, 0.0
            if "from" in seen:
                seen["statement"] += time.perf_counter() - started

    db.commit = committing
    return db.execute_wrapper(record)


@pytest.mark.django_db(transaction=True)
def test_code_counter_hold():
    from tests.dossiers.factories import World

    world = World()
    drafts = [world.complete_draft() for _ in range(SEQUENTIAL + PARALLEL)]
    seen: dict = {}
    with timed(seen):
        for d in drafts[:SEQUENTIAL]:
            services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
    print(
        f"\nsequential ({SEQUENTIAL}), medians: statements under the row "
        f"{ms(seen['statements'])}, commit {ms(seen['commit'])}, "
        f"held {ms(seen['held'])} (p90 {ms(seen['held'], 0.9)})"
    )

    rest = drafts[SEQUENTIAL:]
    barrier = threading.Barrier(THREADS + 1)
    held: list[float] = []

    def worker(chunk):
        mine: dict = {}
        try:
            with timed(mine):
                barrier.wait()
                for d in chunk:
                    services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
            held.extend(mine.get("held", []))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(rest[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    rate = PARALLEL / (time.perf_counter() - started)
    print(
        f"{THREADS} threads ({PARALLEL}): {rate:.1f}/s, held median {ms(held)} "
        f"(p90 {ms(held, 0.9)})"
    )
    codes = Dossier.objects.values_list("code", flat=True)
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, SEQUENTIAL + PARALLEL + 1))
