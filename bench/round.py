"""A whole benchmark round at one size, unattended and resumable: the data, the query
plans, then each load run of bench/README.md one after another, each started only once
the machine is quiet.

    .venv/bin/python bench/round.py --size 10m --dossiers 10000000 --tag s13
        [--only data,plans,pages,...] [--skip memory] [--quiet-load 1.5]

Steps, in order (`--only`/`--skip` choose):

    data       the benchmark cluster up, database `motcua_bench<size>` created, migrated,
               seeded, grown to `--dossiers` with `generate_load_data` (its statistics
               refreshed), then VACUUM (ANALYZE) of the database
    plans      bench/explain.py for the pages and the statistics
    pages      the main mix, 120 s                      label <size>-<tag>
    statistics the statistics mix, 120 s                stats-<size>-<tag>
    intake     the partner API's intake, 130/s offered  api-intake-<size>-<tag>
    submit     submissions to one agency, 130/s offered submit-<size>-<tag>
    memory     the main mix for 10 minutes              10min-<size>-<tag>

Each step's output goes to bench/.run/round-<size>-<tag>.log, and a finished step is
noted in bench/.run/round-<size>-<tag>.json: run the same command again after an
interruption and it carries on with the first step not done. The data step grows the
database by what it lacks, so it also resumes. Before a load run it waits (up to
`--quiet-wait` seconds) until the one-minute load average is under `--quiet-load`, and
it records the load average it started at.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PORT = int(os.environ.get("BENCH_PG_PORT", "5433"))

# (step, label prefix, run.py arguments): the commands of bench/README.md.
GUNICORN = ["--workers", "4", "--threads", "4"]
BROWSING = ["--users", "10", "--wait", "0.3,0.9", *GUNICORN]
RUNS = {
    "pages": ("", ["--seconds", "120", *BROWSING]),
    "statistics": ("stats-", ["--mix", "statistics", "--seconds", "120", *BROWSING]),
    "intake": (
        "api-intake-",
        ["--mix", "api-intake", "--rate", "130", "--users", "26", "--seconds", "120", *GUNICORN],
    ),
    "submit": (
        "submit-",
        ["--mix", "submit", "--rate", "130", "--users", "26", "--seconds", "600", *GUNICORN],
    ),
    "memory": ("10min-", ["--seconds", "600", "--sample", "30", *BROWSING]),
}
STEPS = ("data", "plans", *RUNS)
# What a generated dossier takes on disk with its citizens, log, files, messages,
# ratings and indexes (6.9 GB at 1 M): 10 M take about 70 GB.
BYTES_PER_DOSSIER = 7_000
# The WAL (`max_wal_size` of bench/cluster.py) and room for the rest of the machine.
DISK_MARGIN = 8 * 10**9


class Round:
    def __init__(self, args):
        self.args = args
        self.name = f"{args.size}-{args.tag}"
        self.database = f"motcua_bench{args.size}"
        run_dir = ROOT / "bench" / ".run"
        run_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = run_dir / f"round-{self.name}.log"
        self.state_path = run_dir / f"round-{self.name}.json"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORT}/{self.database}",
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEBUG": "false",
        }

    def say(self, text: str) -> None:
        line = f"[{datetime.now(UTC):%H:%M:%S}] {text}"
        print(line, flush=True)
        with self.log_path.open("a") as log:
            log.write(line + "\n")

    def state(self) -> dict:
        if self.state_path.exists():
            return json.loads(self.state_path.read_text())
        return {"done": {}}

    def note_done(self, step: str, **facts) -> None:
        state = self.state()
        state["done"][step] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **facts}
        self.state_path.write_text(json.dumps(state, indent=2))

    def run(self, *command: str) -> str:
        """Runs `command` with the round's environment, its output appended to the log;
        stops the round when it fails."""
        self.say("$ " + " ".join(command))
        with self.log_path.open("a") as log:
            process = subprocess.run(
                command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=log, text=True
            )
            log.write(process.stdout)
        if process.returncode:
            self.say(f"failed with exit code {process.returncode}: see {self.log_path}")
            sys.exit(process.returncode)
        return process.stdout

    def sql(self, statement: str, database: str | None = None) -> str:
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-At",
            "-d", database or self.database, "-c", statement,
        ).strip()  # fmt: skip

    def wait_quiet(self) -> float:
        deadline = time.monotonic() + self.args.quiet_wait
        while (load := os.getloadavg()[0]) >= self.args.quiet_load:
            if time.monotonic() > deadline:
                self.say(f"the machine is not quiet (load {load:.2f}); running anyway")
                return load
            time.sleep(15)
        return load

    def step_data(self) -> dict:
        self.run(PYTHON, "bench/cluster.py", "up")
        # The name is made of `--size`, which main() allows letters and digits only.
        exists = self.sql(
            f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'",  # noqa: S608
            "postgres",
        )
        if not exists:
            self.sql(f'CREATE DATABASE "{self.database}"', "postgres")
        self.run(PYTHON, "manage.py", "migrate", "-v0")
        if self.sql("SELECT count(*) FROM dossiers_dossier") == "0":
            self.run(PYTHON, "manage.py", "seed_demo", "--quiet")
        have = int(self.sql("SELECT count(*) FROM dossiers_dossier"))
        lacking = self.args.dossiers - have
        started = time.monotonic()
        if lacking > 0:
            self.check_disk(have, lacking)
            # Growing after an interruption draws a new mix, as bench/README.md grows.
            seed = self.args.seed if have < 1000 else self.args.seed + have
            self.say(f"{have:,} dossiers; generating {lacking:,}")
            self.run(
                PYTHON, "manage.py", "generate_load_data",
                "--dossiers", str(lacking), "--seed", str(seed),
            )  # fmt: skip
        generated = time.monotonic() - started
        # Freshly copied rows have no visibility map yet: index-only scans need it.
        self.sql("VACUUM (ANALYZE)")
        return {
            "dossiers": int(self.sql("SELECT count(*) FROM dossiers_dossier")),
            "generation_seconds": round(generated),
            "database_size": self.sql(
                f"SELECT pg_size_pretty(pg_database_size('{self.database}'))"
            ),
        }

    def check_disk(self, have: int, lacking: int) -> None:
        """Stops before a load that would fill the disk: the WAL (`max_wal_size`) and
        a margin must fit beside the new rows."""
        per_dossier = BYTES_PER_DOSSIER
        if have >= 100_000:
            size = int(self.sql(f"SELECT pg_database_size('{self.database}')"))
            per_dossier = size / have
        needed = lacking * per_dossier + DISK_MARGIN
        free = shutil.disk_usage(self.args.pg_dir if self.args.pg_dir.exists() else ROOT).free
        self.say(f"disk: {free / 1e9:.1f} GB free, about {needed / 1e9:.1f} GB needed")
        if free < needed:
            self.say(
                "not enough disk for this size: free some (other benchmark databases: "
                "DROP DATABASE on port " + str(PORT) + "), or choose a smaller --dossiers"
            )
            sys.exit(1)

    def step_plans(self) -> dict:
        out = ROOT / "bench" / "plans"
        self.run(PYTHON, "bench/explain.py", "--out", str(out / f"{self.name}.txt"))
        self.run(
            PYTHON, "bench/explain.py", "--only", "statistics",
            "--out", str(out / f"stats-{self.name}.txt"),
        )  # fmt: skip
        return {}

    def load_run(self, step: str) -> dict:
        prefix, arguments = RUNS[step]
        label = f"{prefix}{self.name}"
        load = self.wait_quiet()
        self.say(f"{label}: load average {load:.2f} at the start")
        self.run(PYTHON, "bench/run.py", "--label", label, *arguments)
        return {"label": label, "loadavg_before": round(load, 2)}

    def go(self) -> None:
        wanted = self.args.only or [s for s in STEPS if s not in self.args.skip]
        done = self.state()["done"]
        for step in STEPS:
            if step not in wanted:
                continue
            if step in done and not self.args.again:
                self.say(f"{step}: done at {done[step]['at']}, skipped")
                continue
            self.say(f"{step}: starting")
            started = time.monotonic()
            if step == "data":
                facts = self.step_data()
            elif step == "plans":
                facts = self.step_plans()
            else:
                facts = self.load_run(step)
            facts["seconds"] = round(time.monotonic() - started)
            self.note_done(step, **facts)
            self.say(f"{step}: done in {facts['seconds']} s {facts}")
        self.say(f"round {self.name}: every step done; results in bench/results/")


def steps(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = set(chosen) - set(STEPS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown steps {sorted(unknown)}; known: {STEPS}")
    return chosen


def size(text: str) -> str:
    if not re.fullmatch(r"[0-9a-z]{1,12}", text):
        raise argparse.ArgumentTypeError("letters and digits only, e.g. 10m")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=size, required=True, help="name of the size: 1m, 10m")
    parser.add_argument("--dossiers", type=int, required=True, help="dossiers wanted")
    parser.add_argument("--tag", required=True, help="the round's tag, e.g. the session: s13")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", type=steps, default=None)
    parser.add_argument("--skip", type=steps, default=[])
    parser.add_argument("--again", action="store_true", help="redo steps already done")
    parser.add_argument("--quiet-load", type=float, default=1.5)
    parser.add_argument("--quiet-wait", type=float, default=600)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument(
        "--pg-dir",
        type=Path,
        default=Path(os.environ.get("BENCH_PG_DIR", "/var/tmp/motcua-bench-pg")),  # noqa: S108
        help="the benchmark cluster's folder, whose disk is checked",
    )
    args = parser.parse_args()
    if args.dossiers < 1:
        parser.error("--dossiers must be positive")
    Round(args).go()


if __name__ == "__main__":
    main()
