"""The one path of every state change: lock, check the table and the role, change, log, notify."""

from __future__ import annotations

from django.utils import timezone

from dossiers import documents
from dossiers.constants import FINAL, Visibility
from dossiers.errors import DossierError
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier
from dossiers.services.actors import acting_role
from dossiers.services.log import UNREAD, action_event_emit, dossier_log_record
from dossiers.workflow import APOLOGY_FIRST, OVERDUE_EXEMPT, apology_due, edge_for, ensure_allowed


def dossier_lock(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version__procedure", "receiving_agency", "competent_agency", "business")
        .defer(*HEAVY_PROCEDURE_FIELDS)
        .get(pk=dossier_id)
    )


def dossier_transition(
    *,
    dossier_id: int,
    action: str,
    actor,
    role: str | None = None,
    note: str = "",
    visibility: str = Visibility.PUBLIC,
    data: dict | None = None,
    change=None,
    locked: Dossier | None = None,
    last=None,
    log_tail=UNREAD,
    log: list | None = None,
) -> Dossier:
    """The one path of every state change. `change(dossier, now, data)` adjusts fields
    (dates, assignee) before the save; it may add to `data` for the log row. `locked`
    is the dossier when the caller already holds its row lock in this transaction (and
    changed nothing in the row since): one query fewer; `log_tail` the dossier's last
    log row when the caller wrote it in this transaction (`dossier_log_record`); `log`
    a list that receives the row this writes.

    `last(dossier)` sets fields from a row that other dossiers wait on (the day's code
    counter): it runs after the log row and the event are written, and the dossier's
    row is saved right after it, so the caller's commit follows at once and the shared
    row is held for two statements. The log row cannot carry what `last` sets, and the
    action may issue no form and end no dossier (both read the saved row)."""
    dossier = locked if locked is not None else dossier_lock(dossier_id)
    previous = dossier.status
    edge = edge_for(previous, action)
    role = acting_role(dossier, actor, edge.roles, role)
    edge = ensure_allowed(previous, action, role)
    now = timezone.now()
    _check_not_overdue(dossier, action, now)
    data = dict(data or {})
    dossier.status = edge.target
    dossier.updated_at = now
    if change is not None:
        change(dossier, now, data)
    if last is None:
        dossier.save()
    elif edge.target in FINAL or action in documents.FORM_FOR_ACTION:
        raise ValueError(f"{action}: `last` is for actions that issue no form and end nothing")
    # The standard form this action issues (01-05): its number now, named in the log
    # row; its PDF is written by a worker once this commits (dossiers.documents).
    issued = documents.prepare(
        dossier=dossier, action=action, actor=actor, note=note, data=data, now=now
    )
    entry = dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=action,
        from_status=previous,
        to_status=dossier.status,
        note=note,
        visibility=visibility,
        data=data,
        tail=log_tail,
    )
    if log is not None:
        log.append(entry)
    if issued is not None:
        documents.store(dossier=dossier, prepared=issued, entry=entry, now=now)
    action_event_emit(dossier, action, actor, entry)
    if dossier.status in FINAL:
        # A finished dossier is shared with no one any more (liên thông).
        from dossiers.consultation import consultations_close_for

        consultations_close_for(dossier)
        if previous not in FINAL:
            # The agency's own evaluation, from the log just completed (an evaluation
            # by the applicant afterwards changes none of its indices).
            from dossiers.services.evaluation import dossier_assess

            dossier_assess(dossier)
    if last is not None:
        last(dossier)
        dossier.save()
    return dossier


def _check_not_overdue(dossier: Dossier, action: str, now) -> None:
    """An overdue dossier moves on only after the agency apologised and set a new
    appointment (form 04); the applicant may still withdraw."""
    if action not in OVERDUE_EXEMPT and apology_due(dossier, now=now):
        raise DossierError(APOLOGY_FIRST)
