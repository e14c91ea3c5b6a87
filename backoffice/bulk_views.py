"""Bulk actions on a queue (issue 6): receive, or assign to a specialist, the ticked
dossiers.

Interface only: the view reads the ticked rows (each checkbox carries the state the
official saw) and hands them to `services.dossier_bulk_apply`, which acts on each
dossier through its own service and says what happened to it: done, refused (with the
reason), or changed meanwhile. The report is shown after a redirect.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from backoffice.gate import official_required
from backoffice.queue_state import queue_state
from dossiers import queues, services
from dossiers.constants import Action, action_verb

OUTCOMES = {
    services.BulkOutcome.DONE: gettext_lazy("Done"),
    services.BulkOutcome.REFUSED: gettext_lazy("Refused"),
    services.BulkOutcome.CHANGED: gettext_lazy("Changed meanwhile"),
}

# The session key of the latest bulk report (post/redirect/get, `bulk_report`).
REPORT_KEY = "backoffice_bulk_report"


def _parse(values) -> dict[uuid.UUID, str]:
    """`<ref>.<state seen>` per ticked row; forged values are dropped."""
    seen = {}
    for value in values[: services.BULK_MAX]:
        ref, _dot, state = value.partition(".")
        try:
            seen[uuid.UUID(ref)] = state
        except ValueError:
            continue
    return seen


@require_POST
@official_required
def bulk_apply(request):
    state = queue_state(request, request.GET)
    action = request.POST.get("action", "")
    if action not in queues.BULK_ACTIONS:
        raise Http404
    seen = _parse(request.POST.getlist("dossier"))
    errors = []
    assignee = None
    if action == Action.ASSIGN:
        pk = request.POST.get("assignee", "")
        if pk.isdigit():
            assignee = queues.bulk_assignees(state.scope).filter(pk=int(pk)).first()
        if assignee is None:
            errors.append(_("Choose the specialist to assign the dossiers to."))
    if not seen:
        errors.append(_("Tick at least one dossier."))
    back = f"?{request.GET.urlencode()}" if request.GET else "?"
    if errors:
        # Nothing was written: the form's errors are shown on this response.
        return _report(request, action, [], errors, back, status=400)
    results = services.dossier_bulk_apply(
        actor=request.user,
        action=action,
        refs=seen,
        assignee=assignee,
        note=request.POST.get("note", "")[:2000],
        scope=state.scope,
    )
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
            "action_label": action_verb(action),
            "results": [(r, OUTCOMES[r.outcome]) for r in results],
            "errors": errors,
            "done": sum(r.outcome == services.BulkOutcome.DONE for r in results),
            "back": back,
        },
        status=status,
    )


@require_GET
@official_required
def bulk_report(request, token):
    report = request.session.get(REPORT_KEY)
    if (
        not report
        or report.get("token") != token
        or report.get("action") not in queues.BULK_ACTIONS
    ):
        messages.info(
            request,
            _("That report is no longer kept: the queue shows the dossiers as they are now."),
        )
        return redirect("backoffice:home")
    results = [services.BulkOutcome(**row) for row in report["results"]]
    return _report(request, report["action"], results, [], report["back"])
