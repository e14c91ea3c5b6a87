"""The bottleneck radar (`/mot-cua/diem-nghen/`): where open dossiers are blocked, and
why, for the statistics' audience (`indicators.selectors.statistics_scope`).

Thin views: the agency from the query string, one read from `indicators.radar`, a page.
A leader acts from it through the workbench's own doors: the dossier link opens the
workbench; reassigning calls the same service as the workbench's assign / forward
panels (`dossiers.services.dossier_assign` / `dossier_forward`) after the same check
(`dossiers.queues.official_action_check`); a word to the holder is an internal note
(`dossiers.services.dossier_note_add`), kept in the dossier's log where the holder
reads it on the workbench and on the process control sheet (form 06).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice import forms
from backoffice.gate import RoleRequired, forbidden, official_required
from backoffice.queue_views import STALE
from backoffice.statistics_views import agency_choices, scope_and_agency
from dossiers import queues, services
from dossiers.constants import Action
from dossiers.errors import DossierError
from dossiers.workflow import TransitionNotAllowed
from identity.constants import OfficialRole
from indicators import charts, radar
from indicators.models import TIME_USED


def _back(request):
    code = request.GET.get("co-quan", "")
    url = reverse("backoffice:radar")
    return f"{url}?{urlencode({'co-quan': code})}" if code else url


@require_GET
@official_required
def radar_page(request):
    tree, scope, agency_id = scope_and_agency(request)
    if not scope.allowed:
        return forbidden(request, "role")
    ids = radar.scope_ids(tree, scope, agency_id)
    now = timezone.now()
    found = radar.radar(tree, ids, now=now, after=request.GET.get("sau"))
    official = queues.official_scope(request.user)
    agency = tree.nodes.get(agency_id) if agency_id is not None else None
    code = agency.code if agency else ""
    competent = {w.dossier.competent_agency_id for w in found.waiting.rows if w.reassign}
    leads = official.ids(OfficialRole.LEADER) & competent
    specialists = radar.specialists_by_agency(leads)
    for w in found.waiting.rows:
        # Whom a leader of the deciding agency may hand it to (none: no reassign form).
        w.people = specialists.get(w.dossier.competent_agency_id, []) if w.reassign else []
    total = found.tables["total"]
    labels = [str(radar.TIME_USED_LABELS[name]) for name in TIME_USED]
    context = {
        "radar": found,
        "title": agency.name if agency else _("Whole city"),
        "agency_code": code,
        "agency_choices": agency_choices(tree, scope),
        "now": now,
        # Where the official may open the dossier and act: the workbench's scope (the
        # agencies they belong to), which a unit below theirs is not part of.
        "own_ids": official.any_ids,
        "time_used": list(zip(TIME_USED, labels, total.buckets, strict=True)),
        "time_used_chart": charts.hbars(
            _("Open dossiers by share of the allotted time used"),
            list(zip(labels, total.buckets, strict=True)),
        ),
        "state_chart": charts.hbars(
            _("Open dossiers by step"),
            [(line.label, line.n) for line in found.tables["states"]],
        ),
        "next_url": f"?{urlencode({'co-quan': code, 'sau': found.waiting.next_cursor})}"
        if found.waiting.next_cursor
        else "",
        "first_url": f"?{urlencode({'co-quan': code})}" if "sau" in request.GET else "",
        "used_80_label": radar.TIME_USED_LABELS["used_80_100"],
    }
    return render(request, "backoffice/radar.html", context)


def _radar_dossier(request, ref):
    """The dossier acted on: the radar's audience, and the workbench's fetch (404
    outside the official's agencies)."""
    _tree, scope, _agency_id = scope_and_agency(request)
    if not scope.allowed:
        return None, None
    official = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=official)
    return official, dossier


@require_POST
@official_required
def radar_reassign(request, ref):
    official, dossier = _radar_dossier(request, ref)
    if dossier is None:
        return forbidden(request, "role")
    action = radar.REASSIGN_ACTIONS.get(dossier.status)
    if action is None or request.POST.get("trang-thai", dossier.status) != dossier.status:
        messages.error(request, STALE)
        return redirect(_back(request))
    check = queues.official_action_check(dossier, official, action)
    if check.refusal == queues.REFUSED_ROLE:
        raise RoleRequired(str(Action(action).label))
    form = forms.AssignForm(
        request.POST, specialists=queues.specialists_of(dossier.competent_agency)
    )
    if not form.is_valid():
        messages.error(request, _("Choose the specialist to hand the dossier to."))
        return redirect(_back(request))
    call = services.dossier_assign if action == Action.ASSIGN else services.dossier_forward
    try:
        call(
            dossier_id=dossier.pk,
            actor=request.user,
            assignee=form.cleaned_data["assignee"],
            note=form.cleaned_data["note"],
            role=check.role,
        )
    except TransitionNotAllowed:
        messages.error(request, STALE)
    except DossierError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(code)s handed to %(name)s.")
            % {"code": dossier.code, "name": form.cleaned_data["assignee"]},
        )
    return redirect(_back(request))


@require_POST
@official_required
def radar_note(request, ref):
    _official, dossier = _radar_dossier(request, ref)
    if dossier is None:
        return forbidden(request, "role")
    form = forms.RequiredNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the note for the holder."))
        return redirect(_back(request))
    try:
        services.dossier_note_add(
            dossier_id=dossier.pk, actor=request.user, note=form.cleaned_data["note"]
        )
    except TransitionNotAllowed:
        messages.error(request, _("Your roles do not allow this action here."))
    else:
        messages.success(request, _("Note added to the log of %(code)s.") % {"code": dossier.code})
    return redirect(_back(request))
