from django import forms
from django.utils.translation import gettext_lazy as _

from common.html import FastSelect
from web.forms import AccessibleFormMixin, SignInForm


class OfficialSignInForm(SignInForm):
    """The citizens' sign-in, worded for officials: they are given a username by their
    agency's administrator (the same backend also takes an email or phone number)."""

    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    error_messages = {
        **SignInForm.error_messages,
        "invalid_login": _(
            "The username or the password is not correct. Passwords are case-sensitive."
        ),
    }


class OtpForm(AccessibleFormMixin, forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


# --- queues --------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's filters and order, from the query string (a queue is bookmarkable)."""

    q = forms.CharField(
        label=_("Code, applicant name or ID number"),
        required=False,
        max_length=100,
        # Announced by screen readers; the handler is static/js/queue-keys.js.
        widget=forms.TextInput(attrs={"aria-keyshortcuts": "/"}),
    )
    # FastSelect: an agency's procedures make a long list (config/html.py).
    procedure = forms.TypedChoiceField(
        label=_("Procedure"), required=False, coerce=int, widget=FastSelect
    )
    field = forms.TypedChoiceField(label=_("Field"), required=False, coerce=int, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    channel = forms.ChoiceField(label=_("Channel"), required=False, widget=FastSelect)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due = forms.ChoiceField(label=_("Deadline"), required=False, widget=FastSelect)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=FastSelect)

    def __init__(self, *args, procedures=(), fields=(), **kwargs):
        from dossiers.constants import Status
        from dossiers.queues import DUE_STATES, FILED, SORTS
        from procedures.constants import ChannelMethod

        super().__init__(*args, **kwargs)
        anything = [("", _("All"))]
        self.fields["procedure"].choices = anything + list(procedures)
        self.fields["field"].choices = anything + list(fields)
        labels = dict(Status.choices)
        self.fields["status"].choices = anything + [(s, labels[s]) for s in FILED]
        self.fields["channel"].choices = anything + list(ChannelMethod.choices)
        self.fields["due"].choices = anything + list(DUE_STATES.items())
        self.fields["sort"].choices = list(SORTS.items())

    def clean_q(self):
        term = self.cleaned_data.get("q", "").strip()
        # A name is searched by its trigrams (dossiers.queues.search_q): fewer than
        # three letters would match nothing useful, and no index could serve them.
        if term and not any(ch.isdigit() for ch in term) and len("".join(term.split())) < 3:
            raise forms.ValidationError(_("Type at least three letters of the name."))
        return term

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date is before the start date."))
        return data

    def to_filters(self, queue: str):
        """The valid filters (an invalid one is dropped, and shown with its error)."""
        from dossiers.queues import Filters

        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return Filters(
            queue=queue,
            q=data.get("q") or "",
            procedure=data.get("procedure") or None,
            field=data.get("field") or None,
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            due=data.get("due") or "",
            sort=data.get("sort") or "due",
        )


# --- workbench actions ---------------------------------------------------------------


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
