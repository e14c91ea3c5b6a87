"""Helpers shared by the test packages."""

import contextlib

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def force_login_verified(client, user):
    """Sign `user` in with a confirmed second factor, as after the TOTP page.

    Django admin and the back office refuse sessions without one; tests that are not
    about the second factor itself start from here.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@contextlib.contextmanager
def ignore_triggers(*uris):
    """`pgtrigger.ignore(*uris)` for tests that must break a protection on purpose.

    pgtrigger prepends a `set_config` to each statement, two commands in one, which a
    prepared statement cannot hold; the site runs with server-side binding (prepared
    statements, config/settings/base.py), so the block switches this connection's new
    cursors to client-side binding while it lasts.
    """
    import pgtrigger
    from django.db import connection
    from django.db.backends.postgresql.base import Cursor

    connection.ensure_connection()
    raw = connection.connection
    saved = raw.cursor_factory
    raw.cursor_factory = Cursor  # Django's client-side binding cursor
    try:
        with pgtrigger.ignore(*uris):
            yield
    finally:
        raw.cursor_factory = saved


@contextlib.contextmanager
def rolled_back_after(django_db_blocker):
    """For a module- or class-scoped fixture whose rows are costly to write: the tests
    that use it see them (each test's transaction nests in this one as a savepoint, so
    what a test changes is undone after it), and they are rolled back after the last,
    so no other test sees them. Those tests must not be transactional, and should share
    one xdist worker (`pytest.mark.xdist_group`), or each worker writes the rows again."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


_SAVEPOINT = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextlib.contextmanager
def statements():
    """Every statement this thread's connection runs, and "COMMIT" where it commits
    (for a transactional test: in the others nothing commits)."""
    from django.db import connections

    seen: list[str] = []
    db = connections["default"]
    commit = db.commit

    def committing():
        seen.append("COMMIT")
        commit()

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    db.commit = committing
    try:
        with db.execute_wrapper(record):
            yield seen
    finally:
        del db.commit


def code_counter_held_for(seen: list[str]) -> list[str]:
    """From `statements()`: what runs from taking the agency's day code counter to the
    commit, savepoints aside, each statement up to its SET."""
    start = next(i for i, sql in enumerate(seen) if "dossiers_dossiercodecounter" in sql)
    held = [s for s in seen[start + 1 :] if not s.startswith(_SAVEPOINT)]
    return [s.split(" SET ")[0] for s in held[: held.index("COMMIT") + 1]]
