"""One load run: gunicorn on loopback, Locust headless, figures per endpoint.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench REDIS_URL=redis://127.0.0.1:6379/0
    .venv/bin/python bench/run.py --label 10k --seconds 60 [--workers 2] [--users 12] [--port 8100]

Steps: bench/prepare.py (sessions, drafts), gunicorn with BENCH_FLOOR=1 and
DEBUG=false (config.settings.dev: the same middleware as production, without the
HTTPS-only redirects), Locust with bench/locustfile.py for `--seconds`, then a table
of requests/s, p50, p95, p99, errors and the ratio of each p50/p95 to the floor's, and
the RSS of every gunicorn worker before and after. Results are written to
bench/results/<label>.json; bench/compare.py compares sizes.

`--mix reads` runs only the anonymous pages (used by the 1-2-4 worker scaling run).
`--mix statistics` runs the statistics pages of bench/statistics_mix.py (a leader, the
city overseer, anonymous visitors) and the floor.
`--mix submit --rate 100` runs submissions only, offered at a fixed total rate (one
draft per submission is prepared beforehand, spread over `--users` citizens, all to
the ward unless `--agencies N` spreads them over N agencies that receive the procedure).
`--mix api-intake --rate 100` files dossiers through the partner API
(`POST /api/v1/dossiers/`) at a fixed total rate, each under a new external id, all
to the ward; `--mix api-reads` reads the API as a partner catching up (the list from
a date, its next page, one dossier) beside the floor.
The RSS of every worker is sampled every `--sample` seconds during the run (memory
over a long run: `--seconds 600`).
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
RUN = ROOT / "bench" / ".run"
RESULTS = ROOT / "bench" / "results"


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


MIXES = {
    "all": ["Anonymous", "Citizen", "Receptionist", "Specialist", "Leader"],
    "reads": ["Anonymous"],
    "submit": ["Submitter"],
    "statistics": ["StatisticsLeader", "StatisticsOverseer", "StatisticsPublic"],
    "api-intake": ["ApiIntake"],
    "api-reads": ["ApiReader"],
}


class RssSampler(threading.Thread):
    """[seconds since start, [RSS MB of each worker]] every `every` seconds."""

    def __init__(self, master: int, every: float):
        super().__init__(daemon=True)
        self.master, self.every, self.samples = master, every, []
        self.stop = threading.Event()

    def run(self):
        began = time.monotonic()
        while not self.stop.is_set():
            pids = sorted(workers_of(self.master))
            self.samples.append([round(time.monotonic() - began), [rss_mb(p) for p in pids]])
            self.stop.wait(self.every)


def wait_up(url: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer at {url}")


def load_stats(prefix: Path) -> dict:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
            }
    return rows


def table(stats: dict) -> str:
    floor = stats.get("floor")
    lines = [
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | p50/floor | p95/floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in stats.items():
        r50 = s["p50"] / floor["p50"] if floor and floor["p50"] else 0
        r95 = s["p95"] / floor["p95"] if floor and floor["p95"] else 0
        lines.append(
            f"| {name} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} "
            f"| {s['failures']}/{s['requests']} | {r50:.1f} | {r95:.1f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--mix", choices=sorted(MIXES), default="all")
    parser.add_argument(
        "--rate", type=float, default=100, help="submissions/s (--mix submit, api-intake)"
    )
    parser.add_argument(
        "--agencies",
        type=int,
        default=1,
        help="--mix submit: drafts spread over this many receiving agencies (1: one "
        "agency, the worst case: its day's code counter is taken one submission at a time)",
    )
    parser.add_argument("--sample", type=float, default=30, help="RSS sampling period, s")
    parser.add_argument("--wait", default="0.1,0.4", help="think time between, seconds")
    args = parser.parse_args()

    RUN.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "BENCH_FLOOR": "1",
        # One client address sends everything: lift the per-address limits for the run.
        "DOSSIER_LOOKUP_RATE": "100000000",
        "API_ANON_RATE": "100000000/minute",
        "STATISTICS_API_RATE": "100000000",
    }
    fixtures = RUN / f"fixtures-{args.label}.json"
    drafts = {"reads": 0, "submit": int(args.rate * args.seconds * 1.1) + args.users}
    drafts.update({"api-intake": 0, "api-reads": 0})
    prepare = [PY, str(ROOT / "bench" / "prepare.py"), "--out", str(fixtures)]
    prepare += ["--drafts", str(drafts.get(args.mix, args.drafts))]
    if args.mix.startswith("api"):
        prepare += ["--api"]
    if args.mix == "submit":
        # One citizen, with its share of the drafts, per submitting user.
        prepare += ["--citizens", str(args.users), "--agencies", str(args.agencies)]
    subprocess.run(prepare, check=True, env=env, cwd=ROOT)
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    host = f"http://127.0.0.1:{args.port}"
    try:
        wait_up(f"{host}/healthz")
        # Warm every worker (imports, templates, connections) before measuring.
        for _ in range(args.workers * 10):
            urllib.request.urlopen(f"{host}/bench/floor/", timeout=10).read()  # noqa: S310
        rss_before = {p: rss_mb(p) for p in workers_of(gunicorn.pid)}
        prefix = RUN / f"locust-{args.label}"
        wmin, wmax = args.wait.split(",")
        user_classes = MIXES[args.mix]
        sampler = RssSampler(gunicorn.pid, args.sample)
        sampler.start()
        began = time.time()
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "-t",
                f"{args.seconds}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                *user_classes,
            ],
            check=False,
            env={
                **env,
                "BENCH_FIXTURES": str(fixtures),
                "BENCH_WAIT_MIN": wmin,
                "BENCH_WAIT_MAX": wmax,
                "BENCH_USER_RATE": str(args.rate / args.users),
            },
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        rss_after = {p: rss_mb(p) for p in workers_of(gunicorn.pid)}
        sampler.stop.set()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    stats = load_stats(prefix)
    load = os.getloadavg()
    result = {
        "label": args.label,
        "dossiers": json.loads(fixtures.read_text())["dossiers"],
        "seconds": args.seconds,
        "workers": args.workers,
        "threads": args.threads,
        "users": args.users,
        "mix": args.mix,
        "wait": args.wait,
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(began)),
        "loadavg_after": load,
        "rss_mb_before": list(rss_before.values()),
        "rss_mb_after": list(rss_after.values()),
        "rss_samples": sampler.samples,
        "rate": args.rate if args.mix in ("submit", "api-intake") else None,
        "agencies": args.agencies if args.mix == "submit" else None,
        "stats": stats,
    }
    (RESULTS / f"{args.label}.json").write_text(json.dumps(result, indent=1))
    print(
        f"\n## {args.label}: {result['dossiers']} dossiers, {args.workers} workers x "
        f"{args.threads} threads, {args.users} users, {args.seconds}s, "
        f"load average after {load[0]:.1f}"
    )
    print(table(stats))
    print(
        "worker RSS MB before -> after: "
        + ", ".join(
            f"{a:.0f} -> {b:.0f}"
            for a, b in zip(rss_before.values(), rss_after.values(), strict=False)
        )
    )
    if len(sampler.samples) > 2:
        print("worker RSS MB over the run (s: each worker):")
        for second, sizes in sampler.samples:
            print(f"  {second:>5}: " + ", ".join(f"{x:.0f}" for x in sizes))


if __name__ == "__main__":
    sys.exit(main())
