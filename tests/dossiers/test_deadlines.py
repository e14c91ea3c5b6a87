"""The deadline clock job: due soon / overdue recorded once, at the working-day
boundary (across Tết 2027), and untouched drafts warned then deleted."""

import datetime as dt
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from dossiers import deadlines, outbox, services
from dossiers.constants import Action, ActorRole, DeadlineState, Status
from dossiers.models import Dossier, DossierDocument, DossierLog, OutboxEvent, StoredFile
from notifications.models import Notification
from tests.dossiers.factories import World

TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, hour=9, minute=0):
    return time_machine.travel(dt.datetime(2027, 2, day, hour, minute, tzinfo=TZ), tick=False)


def sweep_at(day, hour=9, minute=0):
    with at(day, hour, minute):
        return deadlines.deadline_sweep()


def kinds(dossier):
    return list(
        DossierLog.objects.filter(
            dossier=dossier, action__in=[Action.DUE_SOON, Action.OVERDUE]
        ).values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_due_soon_then_overdue_once_each_across_tet_2027(world):
    # Received Monday 1 Feb 2027, 3 working days: Tuesday 2 and Wednesday 3 count, then
    # Tết (Thursday 4 - Wednesday 10 Feb) does not, so it is due Thursday 11 at 17:00.
    with at(1):
        dossier = world.dossier_in(Status.PROCESSING)
    assert dossier.due_at == dt.datetime(2027, 2, 11, 17, 0, tzinfo=TZ)

    # Monday evening: two working days ahead end on Wednesday 3 - not due soon yet.
    assert sweep_at(1, 23) == {"due_soon": 0, "overdue": 0}
    # Tuesday: the next two working days are Wednesday 3 and Thursday 11 (Tết between),
    # so the dossier is due soon although its date is nine calendar days away.
    assert sweep_at(2, 7) == {"due_soon": 1, "overdue": 0}
    # Every later run before the appointment changes nothing.
    for day, hour in ((2, 7), (2, 12), (5, 9), (8, 9), (11, 16)):
        assert sweep_at(day, hour) == {"due_soon": 0, "overdue": 0}
    assert sweep_at(11, 16, 59) == {"due_soon": 0, "overdue": 0}
    assert sweep_at(11, 17, 1) == {"due_soon": 0, "overdue": 1}
    assert sweep_at(11, 18) == sweep_at(12, 9) == {"due_soon": 0, "overdue": 0}

    dossier.refresh_from_db()
    assert dossier.deadline_state == DeadlineState.OVERDUE
    assert kinds(dossier) == [Action.DUE_SOON, Action.OVERDUE]
    entry = DossierLog.objects.filter(dossier=dossier, action=Action.OVERDUE).get()
    assert entry.actor_role == ActorRole.SYSTEM and entry.visibility == "internal"
    events = OutboxEvent.objects.filter(dossier=dossier, kind__in=["due_soon", "overdue"])
    assert sorted(events.values_list("kind", flat=True)) == ["due_soon", "overdue"]

    # Who hears it: due soon -> the assignee; overdue -> leaders and the desk.
    with at(12):
        outbox.sweep()
    assert Notification.objects.filter(kind="due_soon").get().user == world.specialist
    assert set(Notification.objects.filter(kind="overdue").values_list("user", flat=True)) == {
        world.leader.pk,
        world.receptionist.pk,
    }
    assert not Notification.objects.filter(
        user=world.applicant, kind__in=["due_soon", "overdue"]
    ).exists()


@pytest.mark.django_db
def test_a_paused_dossier_is_not_due_and_a_later_date_resets_the_state(world):
    with at(1):
        dossier = world.dossier_in(Status.PROCESSING)
    sweep_at(2, 8)
    with at(2, 9):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.specialist, note="Thiếu giấy tờ"
        )
    assert sweep_at(15) == {"due_soon": 0, "overdue": 0}  # the clock is stopped
    with at(22):
        services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, note="Đây")
    dossier.refresh_from_db()
    # The clock restarted: the three working days count again from 22 Feb (day zero).
    assert dossier.due_at == dt.datetime(2027, 2, 25, 17, tzinfo=TZ)
    assert sweep_at(22, 10) == {"due_soon": 0, "overdue": 0}
    # An appointment moved well ahead puts the dossier back on track, silently, so
    # that the next crossing is recorded again.
    Dossier.objects.filter(pk=dossier.pk).update(due_at=dt.datetime(2027, 3, 31, 17, tzinfo=TZ))
    assert sweep_at(23) == {"due_soon": 0, "overdue": 0}
    dossier.refresh_from_db()
    assert dossier.deadline_state == DeadlineState.ON_TRACK
    assert sweep_at(26) == {"due_soon": 0, "overdue": 0}
    with time_machine.travel(dt.datetime(2027, 3, 30, 9, tzinfo=TZ), tick=False):
        assert deadlines.deadline_sweep() == {"due_soon": 1, "overdue": 0}
    assert kinds(dossier) == [Action.DUE_SOON, Action.DUE_SOON]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_record_one_crossing():
    world = World()
    with at(1):
        dossier = world.dossier_in(Status.PROCESSING)

    def run(_):
        try:
            return deadlines.dossier_record_deadline(
                dossier_id=dossier.pk, now=dt.datetime(2027, 2, 12, 9, tzinfo=TZ)
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    assert sorted(results, key=str) == [None, "overdue"]
    assert kinds(dossier) == [Action.OVERDUE]
    assert OutboxEvent.objects.filter(dossier=dossier, kind="overdue").count() == 1


# --- drafts --------------------------------------------------------------------------


def moment(days, base=dt.datetime(2027, 3, 1, 9, tzinfo=TZ)):
    return time_machine.travel(base + dt.timedelta(days=days), tick=False)


@pytest.mark.django_db
def test_untouched_draft_is_warned_once_then_deleted_with_its_unused_uploads(world, settings):
    settings.DRAFT_WARNING_DAYS = 30
    settings.DRAFT_DELETE_DAYS = 14
    with moment(0):
        draft = world.complete_draft()
        kept = world.complete_draft()  # edited after the warning: survives
        shared = world.draft()
        upload = draft.documents.get().file
        DossierDocument.objects.create(dossier=shared, file=upload)  # reused by a 2nd draft
    kept_upload = kept.documents.get().file

    with moment(29):
        assert deadlines.drafts_sweep() == {"warned": 0, "deleted": 0}
    with moment(31):
        assert deadlines.drafts_sweep() == {"warned": 3, "deleted": 0}
        outbox.sweep()
    with moment(32):
        assert deadlines.drafts_sweep() == {"warned": 0, "deleted": 0}  # once
        services.dossier_save_declaration(
            dossier_id=kept.pk, actor=world.applicant, data={"full_name": "Hà"}
        )
    reminders = Notification.objects.filter(user=world.applicant, kind="reminder")
    assert reminders.count() == 3
    assert "xóa" in reminders.first().title  # Vietnamese by default: "... sẽ bị xóa ..."

    with moment(44):
        assert deadlines.drafts_sweep()["deleted"] == 0  # 13 days after the warning
    with moment(46):
        assert deadlines.drafts_sweep() == {"warned": 0, "deleted": 2}
        assert deadlines.drafts_sweep() == {"warned": 0, "deleted": 0}
    for d in (draft, shared, kept):
        d.refresh_from_db()
    assert draft.status == shared.status == Status.DISCARDED
    assert kept.status == Status.DRAFT
    assert not draft.documents.exists() and not shared.documents.exists()
    entry = draft.log.order_by("-seq").first()
    assert (entry.action, entry.actor_role) == (Action.DISCARD, ActorRole.SYSTEM)
    # The upload both drafts used went with the last of them; the kept draft's stays.
    assert not StoredFile.objects.filter(pk=upload.pk).exists()
    assert StoredFile.objects.filter(pk=kept_upload.pk).exists()


@pytest.mark.django_db
def test_a_file_still_used_by_a_filed_dossier_is_kept(world, settings):
    settings.DRAFT_WARNING_DAYS = 1
    settings.DRAFT_DELETE_DAYS = 1
    with moment(0):
        filed = world.dossier_in(Status.SUBMITTED)
        draft = world.draft()
    reused = filed.documents.get().file
    DossierDocument.objects.create(dossier=draft, file=reused)
    with moment(2):
        deadlines.drafts_sweep()
    with moment(4):
        assert deadlines.drafts_sweep()["deleted"] == 1
    assert StoredFile.objects.filter(pk=reused.pk).exists()
    assert filed.documents.get().file_id == reused.pk
