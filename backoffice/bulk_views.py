"""Bulk actions on a queue (issue 6): receive, or assign to a specialist, the ticked
dossiers.

Each dossier goes through the same service as on its workbench, in its own
transaction (the services are atomic; this view is not), so one refusal never undoes
the others. Every row of the report says what happened to it: done, refused (with the
reason), or changed meanwhile (someone acted on it since the page was shown: each
checkbox carries the state the official saw).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from backoffice.gate import official_required
from backoffice.queue_state import queue_state
from dossiers import queues, services
from dossiers.constants import Action, Status
from dossiers.errors import DossierError
from dossiers.models import Dossier
from dossiers.workflow import TransitionNotAllowed
from identity.constants import OfficialRole

BULK_MAX = 100
BULK_ACTIONS = {Action.RECEIVE: Status.SUBMITTED, Action.ASSIGN: Status.RECEIVED}
DONE, REFUSED, CHANGED = "done", "refused", "changed"
OUTCOMES = {
    DONE: gettext_lazy("Done"),
    REFUSED: gettext_lazy("Refused"),
    CHANGED: gettext_lazy("Changed meanwhile"),
}


def bulk_choices(scope: queues.OfficialScope, queue: str) -> dict:
    """What the queue page offers: receive on the intake queue (desk), assign wherever
    received dossiers show (desk and leaders). The specialists are fetched lazily."""
    offer = {}
    if queue == "receive" and scope.ids(OfficialRole.RECEPTIONIST):
        offer["receive"] = True
    if queue in ("all", "due_soon", "overdue") and scope.ids(
        OfficialRole.RECEPTIONIST, OfficialRole.LEADER
    ):
        offer["assign"] = True
    return offer


def bulk_specialists(scope: queues.OfficialScope):
    """Specialists of the agencies where the official may assign (one query)."""
    return (
        get_user_model()
        .objects.filter(
            official_memberships__agency_id__in=scope.ids(
                OfficialRole.RECEPTIONIST, OfficialRole.LEADER
            ),
            official_memberships__role=OfficialRole.SPECIALIST,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


@dataclass
class Outcome:
    code: str
    ref: str
    outcome: str
    reason: str = ""

    @property
    def label(self):
        return OUTCOMES[self.outcome]


# The session key of the latest bulk report (post/redirect/get, `bulk_report`).
REPORT_KEY = "backoffice_bulk_report"


def _parse(values) -> dict[uuid.UUID, str]:
    """`<ref>.<state seen>` per ticked row; forged values are dropped."""
    seen = {}
    for value in values[:BULK_MAX]:
        ref, _dot, state = value.partition(".")
        try:
            seen[uuid.UUID(ref)] = state
        except ValueError:
            continue
    return seen


def _apply(action, dossier, user, scope, assignee, note) -> Outcome:
    out = Outcome(dossier.code, str(dossier.ref), DONE)
    roles = scope.roles_on(dossier)
    if not any(role in roles for role in _edge_roles(action)):
        out.outcome, out.reason = REFUSED, _("Your roles do not allow this action here.")
        return out
    try:
        if action == Action.RECEIVE:
            services.dossier_receive(dossier_id=dossier.pk, actor=user, note=note)
        else:
            role = next(r for r in _edge_roles(action) if r in roles)
            services.dossier_assign(
                dossier_id=dossier.pk, actor=user, assignee=assignee, note=note, role=role
            )
    except TransitionNotAllowed:
        current = Dossier.objects.filter(pk=dossier.pk).values_list("status", flat=True).first()
        if current != dossier.status:
            out.outcome, out.reason = CHANGED, _("Someone acted on it first; nothing was done.")
        else:
            out.outcome = REFUSED
            out.reason = _("This action is not possible in the dossier's state.")
    except DossierError as error:
        out.outcome, out.reason = REFUSED, " ".join(error.messages)
    return out


def _edge_roles(action):
    from dossiers.workflow import edge_for

    return sorted(edge_for(BULK_ACTIONS[action], action).roles)


@require_POST
@official_required
def bulk_apply(request):
    state = queue_state(request, request.GET)
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        raise Http404
    seen = _parse(request.POST.getlist("dossier"))
    note = request.POST.get("note", "")[:2000]
    errors = []
    assignee = None
    if action == Action.ASSIGN:
        try:
            assignee = bulk_specialists(state.scope).get(pk=int(request.POST.get("assignee", "")))
        except (ValueError, get_user_model().DoesNotExist):
            errors.append(_("Choose the specialist to assign the dossiers to."))
    if not seen:
        errors.append(_("Tick at least one dossier."))
    results = []
    if not errors:
        found = {
            d.ref: d
            for d in Dossier.objects.filter(queues.scope_q(state.scope), ref__in=list(seen))
            .exclude(status__in=(Status.DRAFT, Status.DISCARDED))
            .select_related("receiving_agency", "competent_agency")
        }
        for ref, seen_state in seen.items():
            dossier = found.get(ref)
            if dossier is None:
                # Another agency's dossier or a forged id: no hint that it exists.
                results.append(
                    Outcome("—", str(ref), REFUSED, _("Not a dossier of your agencies."))
                )
            elif dossier.status != seen_state:
                results.append(
                    Outcome(
                        dossier.code,
                        str(ref),
                        CHANGED,
                        _("Its state changed since the page was shown (now: %(state)s).")
                        % {"state": dossier.get_status_display()},
                    )
                )
            else:
                results.append(_apply(action, dossier, request.user, state.scope, assignee, note))
    back = f"?{request.GET.urlencode()}" if request.GET else "?"
    if errors:
        # Nothing was written: the form's errors are shown on this response.
        return _report(request, action, [], errors, back, status=400)
    # Post/redirect/get: reloading the report must not post the actions again (each
    # would come back "changed"). Only the latest report is kept, in the session.
    token = secrets.token_urlsafe(8)
    request.session[REPORT_KEY] = {
        "token": token,
        "action": action,
        "results": [asdict(r) for r in results],
        "back": back,
    }
    return redirect("backoffice:bulk-report", token=token)


def _report(request, action, results, errors, back, status=200):
    return render(
        request,
        "backoffice/bulk_result.html",
        {
            "action_label": dict(Action.choices)[action],
            "results": results,
            "errors": errors,
            "done": sum(r.outcome == DONE for r in results),
            "back": back,
        },
        status=status,
    )


@require_GET
@official_required
def bulk_report(request, token):
    report = request.session.get(REPORT_KEY)
    if not report or report.get("token") != token or report.get("action") not in BULK_ACTIONS:
        messages.info(
            request,
            _("That report is no longer kept: the queue shows the dossiers as they are now."),
        )
        return redirect("backoffice:home")
    results = [Outcome(**row) for row in report["results"]]
    return _report(request, report["action"], results, [], report["back"])
