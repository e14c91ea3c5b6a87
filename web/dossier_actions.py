"""The actions of the dossier workbench, for every door that takes them (the back
office's workbench, the partner API): each action's form (the same fields and checks
whichever door posts them) and the one service call it makes. The services own the
rules (state, role, deadlines, log rows, PDFs, notifications); the forms own the shape
of the input.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.html import FastSelect
from dossiers import queues, services
from dossiers.constants import Action


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupplementRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Everything that is missing, and why"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, repeat=False, **kwargs):
        super().__init__(*args, **kwargs)
        if repeat:
            # A second request during processing: a leader confirms it in writing.
            self.fields["confirmation"] = forms.CharField(
                label=_("Leader's confirmation: why a second request is needed"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files in one input (the pattern of Django's documentation)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(_MultipleFileField, self).clean(d, initial) for d in data if d]
        return [data] if data else []


class DeskSupplementForm(forms.Form):
    """The supplement of a paper dossier, brought to the desk and scanned."""

    files = _MultipleFileField(label=_("Documents brought (scanned)"), required=False)
    digitised = forms.BooleanField(
        label=_("Scanned from the paper original"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Specialist"), queryset=None, widget=FastSelect)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, specialists, workloads=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = specialists
        if workloads is not None:
            self.fields["assignee"].label_from_instance = lambda person: _with_workload(
                person, workloads.get(person.pk)
            )


def _with_workload(person, load) -> str:
    open_, overdue = (load.open, load.overdue) if load else (0, 0)
    if overdue:
        return _("%(name)s: %(open)s open, %(overdue)s overdue") % {
            "name": person.display_name,
            "open": open_,
            "overdue": overdue,
        }
    return _("%(name)s: %(open)s open") % {"name": person.display_name, "open": open_}


class PaymentRequestForm(forms.Form):
    amount = forms.IntegerField(label=_("Amount (VND)"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    result = forms.FileField(label=_("Signed result document"), required=False)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the applicant"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Checked by content and size in the service, like every upload.
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG."),
    )


# --- standard documents and the result (forms 04; recording and returning) ------------


class ApologyForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the delay"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_date = forms.DateField(
        label=_("New appointment date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RecordResultForm(forms.Form):
    result = forms.FileField(label=_("Signed result document (PDF or image)"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnResultForm(forms.Form):
    mode = forms.TypedChoiceField(
        label=_("How the result is returned"),
        # The way the applicant filed is the way they expect the result back; a form
        # posted without a mode (older pages, keyboard shortcuts) means that way too.
        required=False,
        empty_value="in_person",
        widget=forms.RadioSelect,
        initial="in_person",
    )
    postal_tracking = forms.CharField(
        label=_("Postal tracking number (by post)"), required=False, max_length=40
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, filed_through: str = "", **kwargs):
        from dossiers.constants import ReturnMode, return_mode_for_channel

        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = ReturnMode.choices
        default = return_mode_for_channel(filed_through)
        self.fields["mode"].initial = default
        self.fields["mode"].empty_value = default

    def clean(self):
        data = super().clean()
        if data.get("mode") == "post" and not (data.get("postal_tracking") or "").strip():
            self.add_error(
                "postal_tracking", _("Give the postal tracking number of the result sent by post.")
            )
        return data


def _assign_form(dossier, *args, **kwargs):
    # Assigning and forwarding both pick a specialist of the competent agency, seeing
    # how many open dossiers each already holds.
    specialists = list(queues.specialists_of(dossier.competent_agency))
    return AssignForm(
        *args,
        specialists=queues.specialists_of(dossier.competent_agency),
        workloads=queues.workloads(dossier.competent_agency, specialists),
        **kwargs,
    )


# action -> (form factory, service call). `d` is the cleaned data.
ACTIONS = {
    Action.RECEIVE: (
        lambda dossier, *a, **kw: NoteForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_receive(
            dossier_id=dossier.pk, actor=user, note=d["note"]
        ),
    ),
    Action.REFUSE: (
        lambda dossier, *a, **kw: ReasonForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_refuse(
            dossier_id=dossier.pk, actor=user, reason=d["reason"]
        ),
    ),
    Action.ASSIGN: (
        _assign_form,
        lambda dossier, user, role, d: services.dossier_assign(
            dossier_id=dossier.pk, actor=user, assignee=d["assignee"], note=d["note"], role=role
        ),
    ),
    Action.FORWARD: (
        _assign_form,
        lambda dossier, user, role, d: services.dossier_forward(
            dossier_id=dossier.pk, actor=user, assignee=d["assignee"], note=d["note"], role=role
        ),
    ),
    Action.PROPOSE: (
        lambda dossier, *a, **kw: NoteForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_propose(
            dossier_id=dossier.pk, actor=user, note=d["note"]
        ),
    ),
    Action.RETURN: (
        lambda dossier, *a, **kw: RequiredNoteForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_send_back(
            dossier_id=dossier.pk, actor=user, note=d["note"]
        ),
    ),
    Action.APPROVE: (
        lambda dossier, *a, **kw: ApproveForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_approve(
            dossier_id=dossier.pk, actor=user, note=d["note"], result_upload=d["result"]
        ),
    ),
    Action.REQUEST_SUPPLEMENT: (
        lambda dossier, *a, **kw: SupplementRequestForm(
            *a, repeat=services.supplement_repeat(dossier), **kw
        ),
        lambda dossier, user, role, d: services.dossier_request_supplement(
            dossier_id=dossier.pk,
            actor=user,
            note=d["note"],
            role=role,
            confirmation=d.get("confirmation", ""),
        ),
    ),
    Action.SUPPLEMENT: (
        lambda dossier, *a, **kw: DeskSupplementForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_supplement(
            dossier_id=dossier.pk,
            actor=user,
            note=d["note"],
            uploads=d["files"],
            digitised=d["digitised"],
        ),
    ),
    Action.REQUIRE_PAYMENT: (
        lambda dossier, *a, **kw: PaymentRequestForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_require_payment(
            dossier_id=dossier.pk, actor=user, amount=d["amount"], reason=d["reason"], role=role
        ),
    ),
    Action.STOP: (
        lambda dossier, *a, **kw: ReasonForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_stop(
            dossier_id=dossier.pk, actor=user, reason=d["reason"], role=role
        ),
    ),
    Action.RETURN_RESULT: (
        lambda dossier, *a, **kw: ReturnResultForm(*a, filed_through=dossier.channel, **kw),
        lambda dossier, user, role, d: services.dossier_return_result(
            dossier_id=dossier.pk,
            actor=user,
            note=d["note"],
            mode=d["mode"],
            postal_tracking=d["postal_tracking"],
        ),
    ),
    Action.APOLOGISE: (
        lambda dossier, *a, **kw: ApologyForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_apologise(
            dossier_id=dossier.pk,
            actor=user,
            reason=d["reason"],
            new_date=d["new_date"],
            role=role,
        ),
    ),
    Action.RECORD_RESULT: (
        lambda dossier, *a, **kw: RecordResultForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_record_result(
            dossier_id=dossier.pk, actor=user, upload=d["result"], note=d["note"], role=role
        ),
    ),
    Action.MESSAGE: (
        lambda dossier, *a, **kw: MessageForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_message_send(
            dossier_id=dossier.pk, actor=user, body=d["body"], upload=d.get("attachment")
        ),
    ),
    Action.NOTE: (
        lambda dossier, *a, **kw: RequiredNoteForm(*a, **kw),
        lambda dossier, user, role, d: services.dossier_note_add(
            dossier_id=dossier.pk, actor=user, note=d["note"]
        ),
    ),
}
