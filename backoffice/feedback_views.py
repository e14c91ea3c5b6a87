"""The agency's feedback queue (phản ánh, kiến nghị) and the page of one item.

Interface only (STYLE R5): every item is loaded through
`feedback.selectors.feedback_get_for_official`, so another agency's item is a 404; the
roles are the services' to check (a leader assigns and closes, the assigned official
answers), and the page offers only the forms the official may use. Every POST
redirects back to the item (post/redirect/get) with a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from backoffice.gate import RoleRequired, official_required
from dossiers.errors import DossierError
from feedback import selectors, services
from feedback.constants import Status
from feedback.errors import FeedbackNotAllowed
from web.forms import AccessibleFormMixin
from web.responses import stored_file_response


class AssignForm(AccessibleFormMixin, forms.Form):
    assignee = forms.TypedChoiceField(label=gettext_lazy("Official who answers"), coerce=int)

    def __init__(self, *args, officials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "---"), *[(u.pk, str(u)) for u in officials]]


class AnswerForm(AccessibleFormMixin, forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Answer"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    public_question = forms.CharField(
        label=gettext_lazy("Question as published"),
        required=False,
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "The sender agreed to publication: remove names, addresses and anything else "
            "that identifies a person. Numbers, emails and the sender's name are masked "
            "automatically."
        ),
    )


class CloseForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for closing"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


QUEUE_LABELS = {
    "open": gettext_lazy("Waiting for an answer"),
    "mine": gettext_lazy("Assigned to me"),
    "overdue": gettext_lazy("Overdue"),
    "done": gettext_lazy("Answered or closed"),
}


@require_GET
@official_required
def queue(request):
    name = request.GET.get("hang")
    name = name if name in selectors.QUEUES else "open"
    page = selectors.feedback_queue_for_official(
        user=request.user, queue=name, after=request.GET.get("sau")
    )
    return render(
        request,
        "backoffice/feedback_queue.html",
        {
            "page": page,
            "queue": name,
            "queue_label": QUEUE_LABELS[name],
            "tabs": [
                (key, label, f"?{urlencode({'hang': key})}") for key, label in QUEUE_LABELS.items()
            ],
            "next_url": f"?{urlencode({'hang': name, 'sau': page.next_cursor})}"
            if page.next_cursor
            else "",
            "now": timezone.now(),
        },
    )


def _forms_for(request, item, *, bound=None):
    """The forms this official may use on this item now (a bound one replaces its blank
    twin after a failed POST)."""
    leader = item.agency_id in selectors.leader_agency_ids(request.user)
    found = {}
    if leader and item.status in (Status.RECEIVED, Status.ASSIGNED):
        found["assign_form"] = AssignForm(officials=selectors.assignable_officials(item))
        found["close_form"] = CloseForm()
    if item.status == Status.ASSIGNED and item.assignee_id == request.user.pk:
        initial = {"public_question": item.text} if item.public_consent else {}
        found["answer_form"] = AnswerForm(initial=initial)
    if bound:
        found.update(bound)
    return found


def _detail(request, item, *, status=200, bound=None):
    return render(
        request,
        "backoffice/feedback_detail.html",
        {
            "item": item,
            "history": selectors.feedback_history(item),
            "attachments": selectors.feedback_attachments(item),
            "overdue": item.is_overdue(),
            **_forms_for(request, item, bound=bound),
        },
        status=status,
    )


@require_GET
@official_required
def detail(request, ref):
    item = selectors.feedback_get_for_official(user=request.user, ref=ref)
    return _detail(request, item)


def _act(request, item, form_name, form, call, done: str):
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except FeedbackNotAllowed as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect("backoffice:feedback", ref=item.ref)
        except DossierError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, done)
            return redirect("backoffice:feedback", ref=item.ref)
    return _detail(request, item, status=400, bound={form_name: form})


@require_POST
@official_required
def assign(request, ref):
    item = selectors.feedback_get_for_official(user=request.user, ref=ref)
    if item.agency_id not in selectors.leader_agency_ids(request.user):
        raise RoleRequired(_("assign feedback"))
    officials = selectors.assignable_officials(item)
    form = AssignForm(request.POST, officials=officials)
    return _act(
        request,
        item,
        "assign_form",
        form,
        lambda d: services.feedback_assign(
            feedback_id=item.pk,
            actor=request.user,
            assignee=officials.filter(pk=d["assignee"]).first(),
        ),
        _("The feedback was assigned."),
    )


@require_POST
@official_required
def answer(request, ref):
    item = selectors.feedback_get_for_official(user=request.user, ref=ref)
    return _act(
        request,
        item,
        "answer_form",
        AnswerForm(request.POST),
        lambda d: services.feedback_answer(
            feedback_id=item.pk,
            actor=request.user,
            answer=d["answer"],
            public_question=d["public_question"],
        ),
        _("The answer was sent to the citizen."),
    )


@require_POST
@official_required
def close(request, ref):
    item = selectors.feedback_get_for_official(user=request.user, ref=ref)
    if item.agency_id not in selectors.leader_agency_ids(request.user):
        raise RoleRequired(_("close feedback"))
    return _act(
        request,
        item,
        "close_form",
        CloseForm(request.POST),
        lambda d: services.feedback_close(
            feedback_id=item.pk, actor=request.user, reason=d["reason"]
        ),
        _("The feedback was closed."),
    )


@require_GET
@official_required
def attachment(request, ref, pk):
    item = selectors.feedback_get_for_official(user=request.user, ref=ref)
    row = get_object_or_404(item.attachments.select_related("file"), pk=pk)
    return stored_file_response(row.file)
