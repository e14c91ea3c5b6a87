"""The dossier log: hash chain, database refusal of UPDATE/DELETE, verify_dossier_log."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import ProgrammingError, connection, transaction

from dossiers.constants import Status, Visibility
from dossiers.models import DossierLog
from dossiers.selectors import dossier_public_log
from tests.helpers import ignore_triggers

# Forms are issued along the way but not read here: not laid out as PDF (fake_pdf).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


def test_each_row_chains_to_the_previous_one(world):
    dossier = world.dossier_in(Status.RETURNED)
    rows = list(dossier.log.order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == DossierLog.GENESIS
    for prev, row in itertools.pairwise(rows):
        assert row.prev_hash == prev.hash
        assert row.hash == row.compute_hash()
    assert rows[-1].actor_name == "Lan" and rows[-1].actor_role == "receptionist"


@pytest.mark.parametrize(
    "sql", ["UPDATE dossiers_dossierlog SET note = 'x'", "DELETE FROM dossiers_dossierlog"]
)
def test_the_database_refuses_update_and_delete(world, sql):
    world.dossier_in(Status.SUBMITTED)
    with (
        pytest.raises(ProgrammingError, match="pgtrigger"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_verify_passes_then_fails_after_a_tamper(world, capsys):
    dossier = world.dossier_in(Status.PROCESSING)
    other = world.dossier_in(Status.SUBMITTED)
    call_command("verify_dossier_log")
    assert "every chain intact" in capsys.readouterr().out

    # The tamper needs the trigger out of the way, as an attacker with DBA rights would.
    with ignore_triggers("dossiers.DossierLog:protect_update"):
        DossierLog.objects.filter(dossier=dossier, seq=2).update(note="sửa lén")

    with pytest.raises(CommandError) as failure:
        call_command("verify_dossier_log")
    assert failure.value.returncode == 1
    assert f"BROKEN {dossier.code} entry 2" in capsys.readouterr().err
    call_command("verify_dossier_log", "--dossier", other.code)  # the other chain is intact
    with pytest.raises(CommandError):
        call_command("verify_dossier_log", "--dossier", dossier.code)


def test_verify_sees_a_deleted_row(world, capsys):
    dossier = world.dossier_in(Status.PROCESSING)
    # Row 2 (the submission): row 3, the receipt, is held by its form 01 (PROTECT).
    with ignore_triggers("dossiers.DossierLog:protect_delete"):
        DossierLog.objects.filter(dossier=dossier, seq=2).delete()
    with pytest.raises(CommandError):
        call_command("verify_dossier_log", "--dossier", dossier.code)
    assert "expected entry 2" in capsys.readouterr().err


def test_internal_entries_are_not_in_the_public_timeline(world):
    from dossiers import services

    dossier = world.dossier_in(Status.PROCESSING)
    services.dossier_note_add(dossier_id=dossier.pk, actor=world.specialist, note="Nội bộ")
    services.dossier_forward(dossier_id=dossier.pk, actor=world.leader, assignee=world.specialist)
    timeline = list(dossier_public_log(dossier))
    assert all(e.visibility == Visibility.PUBLIC for e in timeline)
    assert "Nội bộ" not in [e.note for e in timeline]
    # The note, the hand-over, and the system's row for form 01's file.
    assert dossier.log.filter(visibility=Visibility.INTERNAL).count() == 3


def test_admin_is_read_only(admin_client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    entry = dossier.log.first()
    assert admin_client.get("/admin/dossiers/dossierlog/").status_code == 200
    assert admin_client.get(f"/admin/dossiers/dossierlog/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/dossiers/dossierlog/add/").status_code == 403
    assert admin_client.post(f"/admin/dossiers/dossierlog/{entry.pk}/delete/").status_code == 403
