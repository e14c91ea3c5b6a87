"""The clock jobs of dossiers: deadline crossings and abandoned drafts.

Deadlines. A running dossier whose appointment date comes within
BACKOFFICE_DUE_SOON_DAYS working days is "due soon"; past it, "overdue" (the same
definitions as the back-office queues, `dossiers.queues`). Each crossing is recorded
ONCE: `Dossier.deadline_state` holds the last state recorded, and the change, its log
row and its outbox event (`due_soon` / `overdue`) are written together under the
dossier's row lock. The sweep may run every few minutes, twice, or on several workers
at once: the second one finds the state already recorded and writes nothing. When a
pause moves the appointment date later, the state goes back to on track silently, so
a later crossing is recorded again.

Drafts. A draft untouched for DRAFT_WARNING_DAYS gets a warning (a `reminder` event,
about "draft"); if it is still untouched DRAFT_DELETE_DAYS after the warning, it is
discarded by the system and its uploads that nothing else uses are deleted. The
dossier row and its log stay: the log is append-only.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from dossiers.constants import RUNNING, Action, ActorRole, DeadlineState, Status, Visibility
from dossiers.models import Dossier, DossierDocument, DossierMessage, StoredFile
from dossiers.queues import due_soon_limit
from procedures.calendar import WorkingCalendar

logger = logging.getLogger(__name__)

BATCH = 500


def _emit(kind: str, *, dossier, data: dict) -> None:
    from dossiers.outbox import emit

    emit(kind, dossier=dossier, actor=None, data=data)


def deadline_state_of(dossier: Dossier, *, now, limit) -> str:
    if dossier.status not in RUNNING or dossier.due_at is None:
        return DeadlineState.ON_TRACK
    if dossier.due_at < now:
        return DeadlineState.OVERDUE
    if dossier.due_at < limit:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TRACK


@transaction.atomic
def dossier_record_deadline(*, dossier_id: int, now=None, limit=None) -> str | None:
    """RUNNING dossier: record its crossing into due soon / overdue. Pre: any state.
    Post: `deadline_state` is the current one; on a crossing, one log row (system,
    internal) and one outbox event. Returns the state recorded, or None."""
    from dossiers.services import dossier_lock, dossier_log_record

    now = now or timezone.now()
    limit = limit or due_soon_limit(now, WorkingCalendar.load())
    dossier = dossier_lock(dossier_id)
    state = deadline_state_of(dossier, now=now, limit=limit)
    if state == dossier.deadline_state:
        return None  # already recorded (another run, another worker)
    dossier.deadline_state = state
    dossier.save(update_fields=["deadline_state"])
    if state == DeadlineState.ON_TRACK:
        return None  # the appointment moved later: nothing happened for anyone
    data = {"due_at": dossier.due_at.isoformat()}
    dossier_log_record(
        dossier=dossier,
        actor=None,
        role=ActorRole.SYSTEM,
        action=Action.DUE_SOON if state == DeadlineState.DUE_SOON else Action.OVERDUE,
        from_status=dossier.status,
        to_status=dossier.status,
        visibility=Visibility.INTERNAL,
        data=data,
    )
    _emit(state, dossier=dossier, data=data)
    return state


def deadline_sweep(*, now=None) -> dict[str, int]:
    """Find dossiers whose recorded state differs from the clock's and record each
    (one short transaction per dossier, so a slow one never holds the others)."""
    now = now or timezone.now()
    limit = due_soon_limit(now, WorkingCalendar.load())
    running = Dossier.objects.filter(status__in=RUNNING, due_at__isnull=False)
    stale = (
        running.filter(due_at__lt=now).exclude(deadline_state=DeadlineState.OVERDUE)
        | running.filter(due_at__gte=now, due_at__lt=limit).exclude(
            deadline_state=DeadlineState.DUE_SOON
        )
        | running.filter(due_at__gte=limit).exclude(deadline_state=DeadlineState.ON_TRACK)
    )
    counts = {DeadlineState.DUE_SOON.value: 0, DeadlineState.OVERDUE.value: 0}
    for pk in stale.order_by("due_at", "pk").values_list("pk", flat=True)[:BATCH]:
        state = dossier_record_deadline(dossier_id=pk, now=now, limit=limit)
        if state:
            counts[state] += 1
    return counts


# --- drafts --------------------------------------------------------------------------


def _warning_days() -> int:
    return settings.DRAFT_WARNING_DAYS


def _delete_days() -> int:
    return settings.DRAFT_DELETE_DAYS


def _with_activity(qs):
    # Editing the declaration bumps updated_at; adding a file does not, so count both.
    return qs.annotate(
        activity=Greatest("updated_at", Coalesce(Max("documents__added_at"), "updated_at"))
    )


@transaction.atomic
def draft_warn(*, dossier_id: int, now=None) -> bool:
    """DRAFT untouched for DRAFT_WARNING_DAYS -> same state, `draft_warned_at` set and
    a `reminder` event (about "draft"). No log row: nothing happened to the dossier."""
    from dossiers.services import dossier_lock

    now = now or timezone.now()
    dossier_lock(dossier_id)
    dossier = _with_activity(Dossier.objects.filter(pk=dossier_id)).get()
    if dossier.status != Status.DRAFT:
        return False
    if dossier.activity >= now - dt.timedelta(days=_warning_days()):
        return False
    if dossier.draft_warned_at and dossier.draft_warned_at > dossier.activity:
        return False  # warned already for this stretch of inactivity
    dossier.draft_warned_at = now
    dossier.save(update_fields=["draft_warned_at"])
    _emit("reminder", dossier=dossier, data={"about": "draft"})
    return True


@transaction.atomic
def draft_expire(*, dossier_id: int, now=None) -> bool:
    """DRAFT warned DRAFT_DELETE_DAYS ago and untouched since -> DISCARDED by the
    system (the table's DISCARD edge, one log row), its documents removed and its
    uploads that nothing else uses deleted (row and file). Drafts are not filed
    dossiers yet, so no legal record is lost; the log row says what happened."""
    from dossiers.services import dossier_lock, dossier_transition

    now = now or timezone.now()
    locked = dossier_lock(dossier_id)
    dossier = _with_activity(Dossier.objects.filter(pk=dossier_id)).get()
    warned = dossier.draft_warned_at
    if (
        dossier.status != Status.DRAFT
        or warned is None
        or dossier.activity >= warned
        or warned >= now - dt.timedelta(days=_delete_days())
    ):
        return False
    file_ids = set(dossier.documents.values_list("file_id", flat=True))
    dossier.documents.all().delete()
    unused = (
        StoredFile.objects.filter(pk__in=file_ids, deleted_at__isnull=True)
        .exclude(pk__in=DossierDocument.objects.filter(file_id__in=file_ids).values("file_id"))
        .exclude(
            pk__in=DossierMessage.objects.filter(attachment_id__in=file_ids).values("attachment_id")
        )
        .select_for_update()
    )
    names = [f.file.name for f in unused]
    StoredFile.objects.filter(pk__in=[f.pk for f in unused]).delete()
    dossier_transition(
        dossier_id=dossier_id,
        action=Action.DISCARD,
        actor=None,
        role=ActorRole.SYSTEM,
        data={"reason": "untouched", "files_deleted": len(names)},
        locked=locked,
    )

    def _remove_files():
        # Storage is not transactional: remove the bytes only once the rows are gone.
        storage = StoredFile._meta.get_field("file").storage
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name)

    transaction.on_commit(_remove_files)
    return True


def drafts_sweep(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    drafts = _with_activity(Dossier.objects.filter(status=Status.DRAFT))
    idle = drafts.filter(activity__lt=now - dt.timedelta(days=_warning_days()))
    to_warn = idle.filter(Q(draft_warned_at__isnull=True) | Q(draft_warned_at__lt=F("activity")))
    to_expire = drafts.filter(
        draft_warned_at__lt=now - dt.timedelta(days=_delete_days()),
        activity__lt=F("draft_warned_at"),
    )
    counts = {"warned": 0, "deleted": 0}
    for pk in to_expire.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        counts["deleted"] += draft_expire(dossier_id=pk, now=now)
    for pk in to_warn.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        counts["warned"] += draft_warn(dossier_id=pk, now=now)
    return counts


# --- Celery --------------------------------------------------------------------------


@shared_task(name="dossiers.deadlines.sweep")
def deadline_sweep_task() -> dict:
    return deadline_sweep()


@shared_task(name="dossiers.deadlines.drafts")
def drafts_sweep_task() -> dict:
    return drafts_sweep()
