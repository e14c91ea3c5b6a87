"""Forms of the citizen dossier pages. Validation of the declaration itself lives in
`dossiers.declaration` (the services use it too)."""

from django import forms
from django.utils.translation import gettext_lazy as _

SCORE_CHOICES = [(i, str(i)) for i in range(5, 0, -1)]


class StartForm(forms.Form):
    case = forms.ModelChoiceField(
        queryset=None, label=_("Case"), empty_label=None, widget=forms.RadioSelect
    )
    agency = forms.ModelChoiceField(queryset=None, label=_("Receiving agency"))
    party = forms.ChoiceField(label=_("Filing for"))

    def __init__(self, *args, cases, agencies, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        if len(cases) == 1:  # nothing to choose: preselect it
            self.fields["case"].initial = cases[0].pk
        self.fields["agency"].queryset = agencies
        self.fields["party"].choices = parties


class UploadForm(forms.Form):
    required_document = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), required=False)
    stored_file = forms.IntegerField(required=False, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupplementForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the agency"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = forms.FileField(label=_("Requested documents"), required=False)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Checked by content and size in the service, like every upload.
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG."),
    )


class RatingForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Overall satisfaction"), choices=SCORE_CHOICES, coerce=int
    )
    staff_attitude = forms.TypedChoiceField(
        label=_("Staff attitude"), choices=SCORE_CHOICES, coerce=int
    )
    timeliness = forms.TypedChoiceField(label=_("Timeliness"), choices=SCORE_CHOICES, coerce=int)
    guidance = forms.TypedChoiceField(
        label=_("Clarity of guidance"), choices=SCORE_CHOICES, coerce=int
    )
    fee_transparency = forms.TypedChoiceField(
        label=_("Fee transparency"), choices=SCORE_CHOICES, coerce=int
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
