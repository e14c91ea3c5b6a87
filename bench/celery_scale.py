"""Celery workers on loopback: how outbox throughput grows from one worker to two.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/6
    .venv/bin/python bench/celery_scale.py --events 1500 --workers 1 2

For each worker count: start that many `celery worker` processes (one process each,
`-c 1`, as if each were its own host), wait until they answer a ping, then write
`--events` "dossier received" events in one transaction the way the services do
(`dossiers.outbox.emit`: one dispatch task queued per event on commit), and time until
every delivery those events planned (in-app, email, SMS per the recipients'
preferences) is sent. Prints deliveries/s per worker count and the speed-up.

Mail goes to Django's dummy backend and SMS to a file, so the figures are MotCua's own
work (planning, rendering, bookkeeping in PostgreSQL), not a gateway's latency.
Uses a database of its own: the events are real rows (never production).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["EMAIL_URL"] = "dummymail://"
os.environ["SMS_BACKEND"] = "identity.sms.FileSmsBackend"
os.environ.setdefault("SMS_FILE_PATH", str(Path(tempfile.gettempdir()) / "motcua-bench-sms.jsonl"))

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from config.celery import app  # noqa: E402
from dossiers import outbox  # noqa: E402
from dossiers.constants import DeliveryStatus, EventKind, Status  # noqa: E402
from dossiers.models import Dossier, OutboxDelivery, OutboxEvent  # noqa: E402


def start_workers(n: int, tag: str) -> list[subprocess.Popen]:
    workers = []
    for i in range(n):
        workers.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-c",
                    "1",
                    "-n",
                    f"bench{tag}-{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=os.environ.copy(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        names = {name for reply in replies for name in reply if name.startswith(f"bench{tag}-")}
        if len(names) >= n:
            return workers
    stop_workers(workers)
    raise SystemExit(f"{n} Celery worker(s) did not answer within 90 s")


def stop_workers(workers) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def run(n_workers: int, events: int, dossier_ids: list[int]) -> dict:
    # Nothing else pending: only this round's events are measured.
    outbox.sweep(budget_seconds=600)
    workers = start_workers(n_workers, str(n_workers))
    try:
        latest = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        first_event = latest or 0
        began = time.monotonic()
        with transaction.atomic():
            for pk in dossier_ids[:events]:
                dossier = Dossier(pk=pk)
                outbox.emit(EventKind.RECEIVED, dossier=dossier, data={"bench": True})
        mine = OutboxDelivery.objects.filter(event_id__gt=first_event)
        while True:
            planned = OutboxEvent.objects.filter(pk__gt=first_event, planned_at=None).count()
            pending = mine.filter(status=DeliveryStatus.PENDING).count()
            if not planned and not pending:
                break
            if time.monotonic() - began > 1200:
                raise SystemExit("not drained within 20 minutes")
            time.sleep(0.2)
        seconds = time.monotonic() - began
    finally:
        stop_workers(workers)
    sent = mine.filter(status=DeliveryStatus.SENT).count()
    failed = mine.filter(status=DeliveryStatus.FAILED).count()
    return {
        "workers": n_workers,
        "events": events,
        "deliveries": sent,
        "failed": failed,
        "seconds": seconds,
        "per_second": sent / seconds,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    # Dossiers with an applicant and agencies, as after a real reception.
    dossier_ids = list(
        Dossier.objects.filter(status=Status.PROCESSING)
        .order_by("-pk")
        .values_list("pk", flat=True)[: args.events]
    )
    if len(dossier_ids) < args.events:
        raise SystemExit(f"only {len(dossier_ids)} dossiers in processing; generate more")
    load = os.getloadavg()[0]
    results = [run(n, args.events, dossier_ids) for n in args.workers]
    base = results[0]["per_second"]
    print(f"outbox delivery, {args.events} events per round, load average before {load:.2f}")
    print("| Celery workers (1 process each) | deliveries | failed | seconds | deliveries/s | x |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['workers']} | {r['deliveries']} | {r['failed']} | {r['seconds']:.1f} "
            f"| {r['per_second']:.0f} | {r['per_second'] / base:.2f} |"
        )
    return 0 if all(r["failed"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
