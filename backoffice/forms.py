from django import forms
from django.utils.translation import gettext_lazy as _

from common.html import FastDateInput, FastSelect, FastTextInput

# The workbench's action forms live with the action table (web.dossier_actions), which
# the partner API shares.
from web.dossier_actions import (
    ApologyForm,
    ApproveForm,
    AssignForm,
    DeskSupplementForm,
    MessageForm,
    NoteForm,
    PaymentRequestForm,
    ReasonForm,
    RecordResultForm,
    RequiredNoteForm,
    ReturnResultForm,
    SupplementRequestForm,
)
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
        # A name matches from its beginning, or by its last words in full (the two
        # indexes that keep the search fast).
        help_text=_(
            "A name from the family name, as on the ID card: Phạm Thu Hà, or Phạm Thu; "
            "or the given names in full: Thu Hà"
        ),
        required=False,
        max_length=100,
        # Announced by screen readers; the handler is static/js/queue-keys.js.
        widget=FastTextInput(attrs={"aria-keyshortcuts": "/", "aria-describedby": "id_q-hint"}),
    )
    # FastSelect: an agency's procedures make a long list (config/html.py).
    procedure = forms.TypedChoiceField(
        label=_("Procedure"), required=False, coerce=int, widget=FastSelect
    )
    field = forms.TypedChoiceField(label=_("Field"), required=False, coerce=int, widget=FastSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=FastSelect)
    channel = forms.ChoiceField(label=_("Channel"), required=False, widget=FastSelect)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=FastDateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=FastDateInput(attrs={"type": "date"})
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
        # A name is searched by its beginning (dossiers.queues.search_q): fewer than
        # three letters begin too many names to narrow the queue usefully.
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


__all__ = [
    "ApologyForm",
    "ApproveForm",
    "AssignForm",
    "DeskSupplementForm",
    "MessageForm",
    "NoteForm",
    "OfficialSignInForm",
    "OtpForm",
    "PaymentRequestForm",
    "QueueFilterForm",
    "ReasonForm",
    "RecordResultForm",
    "RequiredNoteForm",
    "ReturnResultForm",
    "SupplementRequestForm",
]
