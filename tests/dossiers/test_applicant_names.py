"""The applicant's normalised name on each dossier (dossiers.applicant_names): set when
the dossier is created, rewritten when the account is renamed, filled in batches for
rows older than the column."""

import io

import pytest
from django.core.management import CommandError, call_command

from dossiers.constants import Status
from dossiers.models import Dossier
from identity.models import User
from tests.backoffice.queue_data import clone_many
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db


def test_a_new_dossier_carries_the_applicants_name_as_searched():
    world = World()
    world.applicant.full_name = "  Đỗ   Thị  Ánh  "
    world.applicant.save(update_fields=["full_name"])
    draft = world.draft()
    draft.refresh_from_db()
    assert draft.applicant_name == "do thi anh"


def test_a_rename_by_any_path_rewrites_that_applicants_dossiers_only():
    world = World()
    mine = clone_many(world.dossier_built(Status.RECEIVED), 3)
    other = User.objects.create(username="tam", full_name="Ngô Văn Tám")
    theirs = world.dossier_built(Status.RECEIVED, applicant=other)
    # A bulk update, not a save: no Python code of dossiers runs, the trigger does.
    User.objects.filter(pk=world.applicant.pk).update(full_name="Phạm Thị Thu Hà")
    names = dict(Dossier.objects.values_list("pk", "applicant_name"))
    assert {names[d.pk] for d in mine} == {"pham thi thu ha"}
    assert names[theirs.pk] == "ngo van tam"
    words = dict(Dossier.objects.values_list("pk", "applicant_name_words"))
    assert {tuple(words[d.pk]) for d in mine} == {("thi thu ha", "thu ha", "ha")}
    assert words[theirs.pk] == ["van tam", "tam"]


def test_the_backfill_fills_only_the_empty_rows_in_batches():
    world = World()
    dossiers = clone_many(world.dossier_built(Status.RECEIVED), 7)
    Dossier.objects.filter(pk__in=[d.pk for d in dossiers[:4]]).update(
        applicant_name=None, applicant_name_words=None
    )
    # A row filled before the words' column: the words come from its name.
    Dossier.objects.filter(pk=dossiers[4].pk).update(applicant_name_words=None)
    Dossier.objects.filter(pk=dossiers[5].pk).update(applicant_name="kept as it is")
    out = io.StringIO()
    call_command("backfill_applicant_names", "--batch", "2", stdout=out)
    assert "applicant names filled: 5" in out.getvalue()
    names = dict(Dossier.objects.values_list("pk", "applicant_name"))
    assert {names[d.pk] for d in dossiers[:5]} == {"pham thu ha"}
    assert names[dossiers[5].pk] == "kept as it is"
    words = dict(Dossier.objects.values_list("pk", "applicant_name_words"))
    assert {tuple(words[d.pk]) for d in dossiers[:5]} == {("thu ha", "ha")}
    out = io.StringIO()
    call_command("backfill_applicant_names", stdout=out)
    assert "applicant names filled: 0" in out.getvalue()


def test_the_backfill_refuses_an_empty_batch():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("backfill_applicant_names", "--batch", "0")


@pytest.mark.parametrize(
    "name",
    [
        "Đặng Thị Ánh Nguyệt",
        "  NGUYỄN\tVĂN   ĐỨC ",
        "Phạm Thu Hà",  # decomposed accents (NFD), as some keyboards type them
        "Lê Quý Đôn",
        "Hồ Ngọc Hà",
    ],
)
def test_the_python_and_sql_normalisations_agree(name):
    """A new dossier's name comes from queues.name_key, a renamed one's from the SQL
    trigger: the search must find both the same way."""
    import unicodedata

    from django.db import connection

    from dossiers.applicant_names import NAME_SQL
    from dossiers.queues import name_key

    if "Thu" in name:
        name = unicodedata.normalize("NFD", name)
    from dossiers.applicant_names import WORDS_SQL
    from dossiers.queues import name_words

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {NAME_SQL.format('%s')}", [name])
        assert cursor.fetchone()[0] == name_key(name)
        cursor.execute(f"SELECT {WORDS_SQL.format(NAME_SQL.format('%s'))}", [name])
        assert cursor.fetchone()[0] == name_words(name_key(name))
