import contextlib
import fcntl
import hashlib
import re
import tempfile
from pathlib import Path

import pytest

from tests.workers import celery_worker_factory  # noqa: F401 (a fixture for every test)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep `--dist loadgroup` grouping: an xdist worker names each test of an
    `xdist_group` "<node id>@<group>" so that the controller sends the whole group to
    one worker, but pytest-xdist writes the legacy `_nodeid` attribute, which pytest
    9.2 no longer reads (its ids are structured). Without this the tests of a group
    spread over the workers and each one sets up the group's module fixture again.
    A no-op where xdist already named the test."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid.rpartition("]")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")


def pytest_configure(config):
    _empty_tables_by_delete()
    _test_databases_from_a_template()


def _test_databases_from_a_template():
    """Migrating a new test database costs ~15 s of CPU, once for each xdist worker and
    each run. The first run migrates one template database, named after the digest of
    every migration file, and each worker's database is a copy of it (CREATE DATABASE
    ... TEMPLATE, a file copy): a changed migration makes a new template, and the old
    ones are dropped. `--reuse-db` keeps its own database as before."""
    from django.db.backends.postgresql.creation import DatabaseCreation

    create = DatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if keepdb or self.connection.settings_dict["TEST"].get("MIGRATE") is False:
            return create(self, verbosity, autoclobber, serialize, keepdb)
        from django.conf import settings
        from django.core.management import call_command

        name = self._get_test_db_name()
        prefix = re.sub(r"_gw\d+$", "", name)[:40] + "_tpl_"
        template = prefix + _migrations_digest()
        test_settings = self.connection.settings_dict["TEST"]
        quote = self.connection.ops.quote_name
        with _file_lock(f"{tempfile.gettempdir()}/{template}.lock"):
            if not _database_exists(self, template):
                # Migrated under another name and renamed when done, so that a run
                # stopped halfway never leaves a template that looks finished.
                building = template + "_new"
                test_settings["NAME"] = building
                try:
                    create(self, max(verbosity - 1, 0), True, False, False)
                finally:
                    test_settings["NAME"] = name
                    self.connection.close()
                with self._nodb_cursor() as cursor:
                    for old in _databases_like(cursor, prefix):
                        if old != building:
                            _drop_quietly(cursor, quote(old))
                    cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
            with self._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
                cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
        self.connection.close()
        settings.DATABASES[self.connection.alias]["NAME"] = name
        self.connection.settings_dict["NAME"] = name
        if serialize:
            self.connection._test_serialized_contents = self.serialize_db_to_string()
        call_command("createcachetable", database=self.connection.alias)
        self.connection.ensure_connection()
        return name

    DatabaseCreation.create_test_db = create_test_db


def _migrations_digest() -> str:
    """What the migrated schema depends on: Django's version and every migration file of
    every installed app (ours and the libraries')."""
    import django
    from django.apps import apps

    digest = hashlib.sha256(django.__version__.encode())
    for app in sorted(apps.get_app_configs(), key=lambda a: a.label):
        folder = Path(app.path) / "migrations"
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{app.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _database_exists(creation, name: str) -> bool:
    with creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _databases_like(cursor, prefix: str) -> list[str]:
    """The databases whose name starts with `prefix` (the older templates)."""
    cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
    return [row[0] for row in cursor.fetchall()]


def _drop_quietly(cursor, quoted_name: str) -> None:
    """An older template that another checkout is copying right now stays for later."""
    from django.db import DatabaseError

    with contextlib.suppress(DatabaseError):
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted_name}")


@contextlib.contextmanager
def _file_lock(path: str):
    """One worker at a time builds or copies the template: PostgreSQL refuses to copy a
    database while another session is connected to it."""
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _empty_tables_by_delete():
    """After each transactional test (browser, worker and commit tests) Django empties
    every table with one TRUNCATE, which makes a new file for each of ~90 tables and
    their indexes: about a second even when they are empty. DELETE with the triggers
    (foreign keys included) off, as TRUNCATE has them, takes milliseconds on a test's
    few rows. A server where the tests' role may not switch triggers off keeps
    TRUNCATE."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or not _may_switch_triggers_off(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        quote = self.quote_name
        # The statements run in one transaction (execute_sql_flush), so LOCAL holds.
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {quote(table)}" for table in tables),  # noqa: S608 (table names from the models, quoted)
        ]

    DatabaseOperations.sql_flush = sql_flush


def _may_switch_triggers_off(connection) -> bool:
    if not hasattr(connection, "_tests_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            connection._tests_superuser = cursor.fetchone()[0]
    return connection._tests_superuser


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings give every xdist worker
    its own Redis database, so this never touches development data)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client (a client of its own), with the second factor
    Django admin requires."""
    from django.test import Client

    from tests.helpers import force_login_verified

    return force_login_verified(Client(), admin_user)


class UnlaidHTML:
    """Stands in for `weasyprint.HTML` under the `fake_pdf` fixture: keeps the HTML the
    template rendered and "writes" a small PDF that names its digest."""

    def __init__(self, string=None, **kwargs):
        self.html = string or ""

    def write_pdf(self, *args, **kwargs) -> bytes:
        import hashlib

        digest = hashlib.sha256(self.html.encode()).hexdigest()
        return b"%PDF-1.4\n% not laid out: " + digest.encode() + b"\n%%EOF\n"


@pytest.fixture
def fake_pdf(monkeypatch):
    """The standard forms' templates are rendered with their real context, but WeasyPrint
    does not lay them out (~0.25 s a form): for tests that take actions that issue forms
    and do not read the forms. The tests of the forms themselves (test_documents.py,
    test_forms.py, the counter receipt...) keep the real PDF."""
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", UnlaidHTML)


@pytest.fixture
def celery_eager():
    """Tasks queued with apply_async run at once in this process (errors raised), for
    tests of a request whose second half a worker does; the outbox and worker tests
    start real workers instead (tests/workers.py)."""
    from config.celery import app

    before = {name: app.conf.get(name) for name in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield app
    app.conf.update(before)


@pytest.fixture(scope="module")
def fake_pdf_for_module():
    """`fake_pdf` for module-scoped fixtures that take such actions."""
    import weasyprint

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint, "HTML", UnlaidHTML)
        yield
