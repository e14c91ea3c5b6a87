"""Bulk actions from a queue: one action applied to many dossiers at once.

Each dossier goes through the same service as on its workbench, in its own transaction
(those services are atomic; this function is not), so one refusal never undoes the
others. Who may take the action on which dossier is `dossiers.queues.official_actions`,
the answer the workbench gives too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext as _

from dossiers import queues
from dossiers.constants import Action
from dossiers.errors import DossierError
from dossiers.models import Dossier
from dossiers.services.desk import dossier_receive
from dossiers.services.processing import dossier_assign
from dossiers.workflow import APOLOGY_FIRST, TransitionNotAllowed

# The most dossiers one request acts on.
BULK_MAX = 100
DONE, REFUSED, CHANGED = "done", "refused", "changed"


@dataclass
class BulkOutcome:
    """What happened to one ticked dossier: `outcome` is DONE, REFUSED or CHANGED
    (someone acted on it since the official saw it); `reason` is for people."""

    DONE: ClassVar[str] = DONE
    REFUSED: ClassVar[str] = REFUSED
    CHANGED: ClassVar[str] = CHANGED

    code: str
    ref: str
    outcome: str
    reason: str = ""


def dossier_bulk_apply(
    *,
    actor,
    action: str,
    refs: Mapping[uuid.UUID, str | None],
    assignee=None,
    note: str = "",
    scope: queues.OfficialScope | None = None,
) -> list[BulkOutcome]:
    """Applies `action` (one of `queues.BULK_ACTIONS`) to the dossiers `refs`, each
    mapped to the state the official saw it in (None: not checked), and returns one
    outcome per ref, in order.

    Pre-state: each dossier in the action's starting state, in the official's scope.
    Post-state: each dossier allowed moves on through the per-action service
    (`dossier_receive`, `dossier_assign` to `assignee`, with `note`), in its own
    transaction; the others are untouched. Side effects: those services' (a log row,
    the outbox event, form 01 on receipt). Another agency's dossier or an unknown ref
    is refused without a hint that it exists; a dossier whose state differs from the
    one seen is reported as changed and left alone."""
    if action not in queues.BULK_ACTIONS:
        raise ValueError(f"no bulk action {action!r}")
    scope = scope or queues.official_scope(actor)
    refs = dict(list(refs.items())[:BULK_MAX])
    found = {
        d.ref: d
        for d in Dossier.objects.filter(
            queues.scope_q(scope), ref__in=list(refs), status__in=queues.FILED
        ).select_related("receiving_agency", "competent_agency")
    }
    results = []
    for ref, seen in refs.items():
        dossier = found.get(ref)
        if dossier is None:
            results.append(
                BulkOutcome("—", str(ref), REFUSED, _("Not a dossier of your agencies."))
            )
        elif seen is not None and dossier.status != seen:
            reason = _("Its state changed since the page was shown (now: %(state)s).") % {
                "state": dossier.get_status_display()
            }
            results.append(BulkOutcome(dossier.code, str(ref), CHANGED, reason))
        else:
            results.append(_apply_one(dossier, scope, actor, action, assignee, note))
    return results


def _apply_one(dossier, scope, actor, action, assignee, note) -> BulkOutcome:
    out = BulkOutcome(dossier.code, str(dossier.ref), DONE)
    check = queues.official_action_check(dossier, scope, action)
    if not check.allowed:
        out.outcome, out.reason = REFUSED, _refusal_text(check.refusal)
        return out
    try:
        if action == Action.RECEIVE:
            dossier_receive(dossier_id=dossier.pk, actor=actor, note=note)
        else:
            dossier_assign(
                dossier_id=dossier.pk, actor=actor, assignee=assignee, note=note, role=check.role
            )
    except TransitionNotAllowed:
        # Allowed when read, refused under the lock: someone acted first, unless the
        # state is the same (then it is a refusal the read did not foresee).
        current = Dossier.objects.filter(pk=dossier.pk).values_list("status", flat=True).first()
        if current != dossier.status:
            out.outcome, out.reason = CHANGED, _("Someone acted on it first; nothing was done.")
        else:
            out.outcome, out.reason = REFUSED, _refusal_text(queues.REFUSED_STATE)
    except DossierError as error:
        out.outcome, out.reason = REFUSED, " ".join(error.messages)
    return out


def _refusal_text(refusal: str) -> str:
    if refusal == queues.REFUSED_ROLE:
        return _("Your roles do not allow this action here.")
    if refusal == queues.REFUSED_APOLOGY_FIRST:
        return str(APOLOGY_FIRST)
    return _("This action is not possible in the dossier's state.")
