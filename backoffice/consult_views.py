"""Inter-agency consultation pages (liên thông, issue 6).

Interface only (STYLE R5): the asking agency's specialist or leader asks from the
workbench; the consulted agency finds the question in its "consultations" queue
(`/mot-cua/lien-thong/`), reads the dossier on a read-only workbench and answers.
Every POST redirects back to the workbench (post/redirect/get) with a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from backoffice.gate import official_required
from common.html import FastSelect
from dossiers import consultation as consult
from dossiers import queues
from dossiers.constants import Action
from dossiers.errors import DossierError
from dossiers.workflow import TransitionNotAllowed
from web.responses import stored_file_response


class AskForm(forms.Form):
    agency = forms.TypedChoiceField(
        label=gettext_lazy("Agency to consult"), coerce=int, widget=FastSelect
    )
    question = forms.CharField(
        label=gettext_lazy("Question"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_by = forms.DateField(
        label=gettext_lazy("Reply by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, exclude_id=None, procedure_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [
            ("", "---"),
            *consult.agency_choices(exclude_id, procedure_id=procedure_id),
        ]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Opinion of your agency"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    file = forms.FileField(label=gettext_lazy("Attached file"), required=False)


def _ask_form(dossier) -> AskForm:
    return AskForm(
        auto_id="id_consult_%s",
        exclude_id=dossier.competent_agency_id,
        procedure_id=dossier.version.procedure_id,
    )


def workbench_context(dossier, scope, *, ask_open: bool = False, log=None) -> dict:
    """What the workbench shows about consultations: the questions and opinions this
    official may read (`consult.consultations_visible_to`), whether they may ask, and
    the answer form of each question they may answer. `log` is the dossier's whole log
    when the caller read it: every question is logged as it is asked, so a log without
    one spares the query.

    The ask form (a long list of agencies) is rendered only when its panel is asked
    for (`ask_open`: the panel's link without script); otherwise the panel fetches it
    when opened (`ask_form`), like the action panels."""
    items = [
        (
            row,
            AnswerForm(auto_id=f"id_answer{row.pk}_%s")
            if consult.consultation_answerable_by(row, scope)
            else None,
        )
        for row in (
            consult.consultations_visible_to(dossier, scope)
            if log is None or any(entry.action == Action.CONSULT for entry in log)
            else ()
        )
    ]
    askable = consult.consultation_askable_by(dossier, scope)
    return {
        "consultations": items,
        "consult_askable": askable,
        "consult_form": _ask_form(dossier) if askable and ask_open else None,
        "consulted_only": not queues.sees_internal(dossier, scope),
    }


@require_GET
@official_required
def ask_form(request, ref):
    """The ask form, fetched when the official opens its panel: 404 unless they may ask
    about this dossier now (a specialist or leader of its competent agency, while it is
    appraised), the only officials offered the panel."""
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    if not consult.consultation_askable_by(dossier, scope):
        raise Http404
    return render(
        request,
        "backoffice/_consult_ask_form.html",
        {"dossier": dossier, "consult_form": _ask_form(dossier)},
    )


@require_POST
@official_required(roles=consult.ASKING_ROLES)
def ask(request, ref):
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    form = AskForm(
        request.POST,
        exclude_id=dossier.competent_agency_id,
        procedure_id=dossier.version.procedure_id,
    )
    if not form.is_valid():
        messages.error(request, _error_text(form))
        return redirect("backoffice:dossier", ref=dossier.ref)
    from procedures.models import Agency

    try:
        consult.consultation_ask(
            dossier_id=dossier.pk,
            actor=request.user,
            consulted_agency=Agency.objects.filter(pk=form.cleaned_data["agency"]).first(),
            question=form.cleaned_data["question"],
            reply_by=form.cleaned_data["reply_by"],
        )
    except TransitionNotAllowed:
        messages.error(request, _("You cannot consult another agency on this dossier now."))
    except DossierError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The question was sent; that agency can now read the dossier."))
    return redirect("backoffice:dossier", ref=dossier.ref)


@require_POST
@official_required(roles=consult.ANSWERING_ROLES)
def answer(request, ref, pk):
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    row = get_object_or_404(consult.consultations_visible_to(dossier, scope), pk=pk)
    form = AnswerForm(request.POST, request.FILES)
    back = redirect("backoffice:dossier", ref=dossier.ref)
    if not form.is_valid():
        messages.error(request, _error_text(form))
        return back
    try:
        consult.consultation_answer(
            consultation_id=row.pk,
            actor=request.user,
            answer=form.cleaned_data["answer"],
            upload=form.cleaned_data["file"],
        )
    except TransitionNotAllowed:
        messages.error(request, _("This question can no longer be answered by you."))
        return back
    except DossierError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(request, _("Your agency's opinion was sent."))
    # The grant ended with the answer: back to the queue, not to a page now closed.
    return redirect("backoffice:consult-queue")


@require_GET
@official_required
def answer_file(request, ref, pk):
    """The file attached to an opinion, for officials who may read that question."""
    scope = queues.official_scope(request.user)
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref, scope=scope)
    row = get_object_or_404(consult.consultations_visible_to(dossier, scope), pk=pk)
    if row.answer_file is None:
        raise Http404
    return stored_file_response(row.answer_file)


@require_GET
@official_required
def queue(request):
    """Open questions to the official's agencies, soonest reply-by first."""
    scope = queues.official_scope(request.user)
    rows, cursor = consult.consultation_list_for_agencies(
        agency_ids=scope.any_ids, after=request.GET.get("sau")
    )
    return render(
        request,
        "backoffice/consult_queue.html",
        {
            "rows": rows,
            "next_url": f"?{urlencode({'sau': cursor})}" if cursor else "",
            "today": timezone.localdate(),
        },
    )


def _error_text(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)
