"""The officials' queues (`/mot-cua/`) and the dossier workbench (issue 6).

Thin views (STYLE R5): load and authorize through `dossiers.queues`, validate a form,
call ONE service of `dossiers.services`, pick the response. Every write is a POST that
redirects back to the workbench with a message (post/redirect/get), so a reload never
repeats an action.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from backoffice import consult_views
from backoffice.gate import RoleRequired, official_required
from backoffice.queue_state import queue_state
from dossiers import documents, legal, queues, services
from dossiers.constants import Action, Status, action_verb
from dossiers.declaration import declaration_rows, logged_mismatches
from dossiers.errors import DossierError
from dossiers.models import DossierDocument
from dossiers.selectors import dossier_assessment, with_signatures
from dossiers.workflow import TransitionNotAllowed
from identity import permissions
from identity.constants import OfficialRole
from procedures.calendar import WorkingCalendar
from web.dossier_actions import ACTIONS
from web.responses import issued_pdf_response, pdf_response, stored_file_response

_ANY_REF = uuid.UUID(int=0)

# --- queues --------------------------------------------------------------------------


@require_GET
@official_required
def home(request):
    state = queue_state(request)
    queue, filters = state.queue, state.filters
    now, calendar = timezone.now(), WorkingCalendar.load()
    page = queues.dossier_list_for_queue(
        scope=state.scope, filters=filters, after=request.GET.get("sau"), now=now, calendar=calendar
    )
    # One reverse() for the page, not one per row.
    link = reverse("backoffice:dossier", kwargs={"ref": _ANY_REF})
    for row in page.rows:
        row.url = link.replace(str(_ANY_REF), str(row.ref))
    kept = {k: v for k, v in request.GET.items() if k != "sau" and v}
    kept.setdefault("hang-doi", queue)
    query = urlencode(kept)
    context = {
        "queue": queue,
        "now": now,
        "queue_label": queues.QUEUES[queue],
        "page": page,
        "form": state.form,
        "sort": filters.sort,
        "query": query,
        "next_url": f"?{urlencode({**kept, 'sau': page.next_cursor})}" if page.next_cursor else "",
        "first_url": f"?{query}" if "sau" in request.GET else "",
        "due_soon_days": queues.due_soon_days(),
        "bulk": (bulk := queues.bulk_actions_offered(state.scope, queue)),
        # Only what the list shows (the display name): the query is a DISTINCT.
        "bulk_specialists": (
            queues.bulk_assignees(state.scope).only(
                "full_name", "first_name", "last_name", "username"
            )
            if bulk.get("assign")
            else ()
        ),
    }
    if request.htmx:
        return render(request, "backoffice/queue.html#list", context)
    counts = queues.queue_counts(state.scope, state.names, now=now, calendar=calendar)
    labels = dict(OfficialRole.choices)
    context.update(
        tabs=[
            (
                name,
                queues.QUEUES[name],
                counts[name],
                f"?{urlencode({'hang-doi': name})}",
                name in counts.estimated,
            )
            for name in state.names
        ],
        memberships=[
            (code, labels[role]) for code, role in permissions.memberships_of(request.user)
        ],
    )
    return render(request, "backoffice/queue.html", context)


# --- workbench -----------------------------------------------------------------------

STALE = gettext_lazy(
    "This action is no longer possible: the dossier has changed (someone else may have "
    "acted on it first). Its current state is shown below."
)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _hint(dossier, action, form) -> str:
    """What the official should know of the rule before taking `action` here (`form`
    is its panel's: a second supplement request's form asks for the confirmation)."""
    if action == Action.REQUEST_SUPPLEMENT:
        if dossier.status == Status.SUBMITTED:
            return _(
                "List everything that is missing at once: the desk asks only once, and the "
                "applicant's answer comes back to the desk before receipt."
            )
        if "confirmation" in form.fields:
            return _(
                "A supplement was already requested once. A second request needs a "
                "leader's written confirmation."
            )
        ask = _(
            "Ask once, for everything missing, within %(days)s working days of receipt: "
            "a later request is recorded as late."
        ) % {"days": legal.supplement_request_days()}
        if legal.supplement_clock() == legal.SUPPLEMENT_CLOCK_RESTART:
            return (
                f"{ask} {_('The full processing time counts again from the complete supplement.')}"
            )
        return f"{ask} {_('The days waited for the supplement do not count.')}"
    if action == Action.APOLOGISE and dossier.due_at and dossier.due_at < timezone.now():
        return _(
            "The appointment (%(due)s) has passed: the apology comes before any other "
            "action and is recorded as late. The appointment can be moved only once."
        ) % {"due": _when(dossier.due_at)}
    if action == Action.APOLOGISE and dossier.due_at:
        return _(
            "Current appointment: %(due)s. Send the apology at least %(days)s working day(s) "
            "before it; the appointment can be moved only once."
        ) % {"due": _when(dossier.due_at), "days": legal.apology_lead_days()}
    if action == Action.ASSIGN and dossier.transfer_due_at:
        if dossier.transfer_due_at < timezone.now():
            return _("The transfer was due by %(when)s: it will be recorded as late.") % {
                "when": _when(dossier.transfer_due_at)
            }
        return _("Transfer to the processing department by %(when)s.") % {
            "when": _when(dossier.transfer_due_at)
        }
    return ""


def _panel(dossier, action, form) -> dict:
    """What an open action panel shows: its form, legal basis and hint."""
    return {
        "action": action,
        "label": action_verb(action),
        "form": form,
        "basis": queues.action_basis(dossier, action),
        "hint": _hint(dossier, action, form),
    }


def _action_form(dossier, action):
    return ACTIONS[action][0](dossier, auto_id=f"id_{action}_%s")


def _workbench(request, dossier, scope, bound=None, status=200):
    """Render the workbench; `bound` = (action, form) re-shown with its errors.

    Only the panel being acted on carries its form (the one re-shown with errors, or
    the one asked for by `?hanh-dong=`, the panels' link without script): rendering
    every form through its widget templates on each view was most of the page's
    cost, and the other panels fetch theirs when opened (`dossier_action_form`)."""
    now = timezone.now()
    calendar = WorkingCalendar.load()
    full_log = list(queues.dossier_official_log(dossier))
    late = queues.apology_due(dossier, now=now, log=full_log)
    opened = bound[0] if bound else request.GET.get("hanh-dong")
    panels = []
    offered = queues.official_actions(
        dossier, scope, now=now, late=late, log=full_log, calendar=calendar
    )
    for action, _role in offered:
        if action not in ACTIONS:
            continue  # an action of the table with no page here (none today)
        if bound and bound[0] == action:
            panels.append(_panel(dossier, action, bound[1]))
        elif action == opened:
            panels.append(_panel(dossier, action, _action_form(dossier, action)))
        else:
            panels.append({"action": action, "label": action_verb(action), "form": None})
    time_left = queues.time_left(
        dossier,
        now=now,
        today=timezone.localtime(now).date(),
        calendar=calendar,
        limit=queues.due_soon_limit(now, calendar),
    )
    declaration = declaration_rows(dossier.version, dossier.form_data, logged_mismatches(full_log))
    log = queues.log_visible_to(full_log, dossier, scope)
    sees_internal = queues.sees_internal(dossier, scope)
    return render(
        request,
        "backoffice/dossier.html",
        {
            "dossier": dossier,
            "declaration": declaration if dossier.form_data else [],
            "contradictions": [row for row in declaration if row.registry],
            "documents": with_signatures(
                dossier.documents.select_related("file", "required_document")
            ),
            "log": log,
            "issued": _issued_with_outcomes(dossier, full_log),
            "overdue": late,
            "step_plan": documents.step_plan(dossier, calendar),
            "pauses": documents.pause_history(full_log),
            "dossier_messages": dossier.messages.select_related("attachment"),
            "payments": dossier.payments.all(),
            "panels": panels,
            "time_left": time_left,
            "sees_internal": sees_internal,
            # The agency's own evaluation, for the officials of the dossier's agencies.
            "assessment": dossier_assessment(dossier) if sees_internal else None,
            # Inter-agency consultation panel and opinions (backoffice.consult_views).
            **consult_views.workbench_context(
                dossier, scope, ask_open=opened == "consult", log=full_log
            ),
        },
        status=status,
    )


@require_GET
@official_required
def dossier_detail(request, ref):
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    return _workbench(request, dossier, scope)


@require_GET
@official_required
def dossier_action_form(request, ref, action):
    """One action panel's form, fetched when the official opens the panel; refused
    like the POST it leads to (404 outside the official's dossiers or when the
    dossier's state no longer offers it, 403 when none of their roles may)."""
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    if action not in ACTIONS:
        raise Http404
    check = queues.official_action_check(dossier, scope, action)
    if check.refusal == queues.REFUSED_ROLE:
        raise RoleRequired(action_verb(action))
    if not check.allowed:
        raise Http404
    context = {"dossier": dossier, **_panel(dossier, action, _action_form(dossier, action))}
    return render(request, "backoffice/_action_form.html", context)


@require_POST
@official_required
def dossier_act(request, ref, action):
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    if action not in ACTIONS:
        raise Http404
    check = queues.official_action_check(dossier, scope, action)
    if check.refusal == queues.REFUSED_ROLE:
        # The dossier's state allows the action but none of the official's roles here
        # does: say that (403), not "the dossier has changed".
        raise RoleRequired(action_verb(action))
    make_form, call = ACTIONS[action]
    form = make_form(dossier, request.POST, request.FILES, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _workbench(request, dossier, scope, bound=(action, form), status=400)
    try:
        call(dossier, request.user, check.role, form.cleaned_data)
    except TransitionNotAllowed:
        messages.error(request, STALE)
    except DossierError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": dict(Action.choices)[action]})
    return redirect("backoffice:dossier", ref=dossier.ref)


@require_GET
@official_required
def dossier_file(request, ref, pk):
    """A document of the dossier, for officials of its agencies only; shown inline in
    the workbench's preview frame when asked (`?xem=1`) and of a PREVIEWABLE type."""
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    stored = get_object_or_404(
        DossierDocument.objects.select_related("file"), pk=pk, dossier=dossier
    ).file
    # The workbench shows it in its preview frame.
    return stored_file_response(stored, inline=request.GET.get("xem") == "1", framed=True)


# --- standard documents (forms 01-06) --------------------------------------------------


def _issued_with_outcomes(dossier, log_entries) -> list:
    """The issued forms, each with what the worker logged when it wrote the file (its
    signature's outcome), as `doc.outcome`."""
    outcomes = documents.write_outcomes(log_entries)
    issued = list(documents.issued_for_official(dossier))
    for doc in issued:
        doc.outcome = outcomes.get(doc.pk)
    return issued


@require_GET
@official_required
def issued_document(request, ref, pk):
    """A standard document issued for the dossier (forms 01-05), officials only; asked
    for while a worker is still writing it, it waits for it a few seconds."""
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    issued = get_object_or_404(documents.issued_for_official(dossier), pk=pk)
    back = reverse("backoffice:dossier", kwargs={"ref": dossier.ref})
    return issued_pdf_response(request, issued, base="backoffice/base.html", back=back)


@require_GET
@official_required
def issued_document_item(request, ref, pk):
    """One line of the workbench's list of standard documents: polled (htmx) while its
    file is being written, it then comes back with the link and the signature's
    outcome, and no longer asks to be polled."""
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    issued = get_object_or_404(documents.issued_for_official(dossier), pk=pk)
    issued.outcome = None
    if issued.written:
        written = dossier.log.filter(action=Action.DOCUMENT_WRITTEN, data__document__issued=pk)
        issued.outcome = documents.write_outcomes(written).get(issued.pk)
    return render(request, "backoffice/_issued_item.html", {"dossier": dossier, "doc": issued})


@require_GET
@official_required
def control_sheet(request, ref):
    """Form 06, the process control sheet, rendered from the log when asked for."""
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    # The sheet lists every handover with its note: internal, like the full log.
    if dossier.received_at is None or not queues.sees_internal(dossier, scope):
        raise Http404
    try:
        content = services.control_sheet_issue(dossier_id=dossier.pk, actor=request.user)
    except services.DossierError as error:
        messages.error(request, str(error))
        return redirect("backoffice:dossier", ref=dossier.ref)
    return pdf_response(content, f"{dossier.code}-mau-06.pdf")
