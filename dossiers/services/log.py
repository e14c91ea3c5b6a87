"""The dossier log: one hash-chained row per action, and the action's outbox event."""

from __future__ import annotations

from django.utils import timezone

from dossiers.constants import ACTION_EVENTS, Visibility
from dossiers.models import Dossier, DossierLog
from dossiers.outbox import emit

# `tail` not given: the dossier's last row is read.
UNREAD = object()


def dossier_log_record(
    *,
    dossier: Dossier,
    actor,
    role: str,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    visibility: str = Visibility.PUBLIC,
    data: dict | None = None,
    tail=UNREAD,
) -> DossierLog:
    """Append one row to the dossier's hash chain. The caller holds the dossier's row
    lock (select_for_update), which serialises the chain. `tail` is the dossier's last
    row when the caller wrote it in this transaction (None: the dossier was created in
    it and has no row yet), which spares reading it back."""
    last = (
        DossierLog.objects.filter(dossier=dossier).order_by("-seq").first()
        if tail is UNREAD
        else tail
    )
    entry = DossierLog(
        dossier=dossier,
        seq=(last.seq + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=str(actor) if actor is not None and actor.is_authenticated else "",
        actor_role=role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        visibility=visibility,
        data=data or {},
        prev_hash=last.hash if last else DossierLog.GENESIS,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


def action_event_emit(dossier: Dossier, action: str, actor, entry: DossierLog) -> None:
    # The outbox row is written in this transaction, so the event exists exactly when
    # the change commits; the dispatch waits for the commit (dossiers.outbox).
    kind = ACTION_EVENTS.get(action)
    if kind is not None:
        emit(
            kind,
            dossier=dossier,
            actor=actor,
            data={
                "action": action,
                "from": entry.from_status,
                "to": entry.to_status,
                "log": entry.pk,
            },
        )
