"""Forms of the citizen dossier pages. Validation of the declaration itself lives in
`dossiers.declaration` (the services use it too)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.html import FastHiddenInput, FastTextarea, RadioSelect
from dossiers.evaluation import CRITERIA


class StartForm(forms.Form):
    case = forms.ModelChoiceField(
        queryset=None, label=_("Case"), empty_label=None, widget=forms.RadioSelect
    )
    agency = forms.ModelChoiceField(queryset=None, label=_("Receiving agency"))
    party = forms.ChoiceField(label=_("Filing for"))

    def __init__(self, *args, cases, agencies, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        if len(cases) == 1:  # nothing to choose: no question asked
            self.fields["case"].initial = cases[0].pk
            self.fields["case"].widget = forms.HiddenInput()
        self.fields["agency"].queryset = agencies
        # One place receives it: chosen already and stated, not asked (a select with a
        # single option, or one with "---------" first, only makes the applicant work).
        self.only_agency = agencies[0] if len(agencies) == 1 else None
        if self.only_agency is not None:
            self.fields["agency"].initial = self.only_agency.pk
            self.fields["agency"].empty_label = None
            self.fields["agency"].widget = forms.HiddenInput()
        self.fields["party"].choices = parties


class UploadForm(forms.Form):
    required_document = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), required=False)
    stored_file = forms.IntegerField(required=False, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), max_length=1000, widget=FastTextarea(attrs={"rows": 3})
    )
    # Set by the confirmation page's button: withdrawing cannot be undone.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SupplementForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the agency"),
        required=False,
        max_length=2000,
        widget=FastTextarea(attrs={"rows": 3}),
    )
    files = forms.FileField(label=_("Requested documents"), required=False)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=4000, widget=FastTextarea(attrs={"rows": 3})
    )
    # Checked by content and size in the service, like every upload.
    attachment = forms.FileField(
        label=_("Attach a file (optional)"),
        required=False,
        help_text=_("PDF, JPEG or PNG."),
    )


# The criteria of the applicant's evaluation (Decree 61/2018 art. 31), in the order
# the form asks them; which ones a moment asks is `dossiers.evaluation.CRITERIA`.
CRITERION_LABELS = {
    "overall": _("Overall satisfaction"),
    "guidance": _("Receipt and guidance"),
    "staff_attitude": _("Officials' attitude and conduct"),
    "transparency": _("Publicity and transparency of the procedure and fees"),
    "contacts": _("Number of times you had to come back or complete the dossier"),
    "timeliness": _("Time taken to settle the dossier"),
    "result_conformity": _("Result as the law provides"),
}
SCORE_LABELS = {
    5: _("Very satisfied"),
    4: _("Satisfied"),
    3: _("Acceptable"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}


class RatingForm(forms.Form):
    """The applicant's evaluation at one moment: its criteria, each 1-5, and a comment.
    Several moments can be open on one page: `auto_id` keeps their ids apart."""

    moment = forms.CharField(widget=FastHiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=FastTextarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, moment: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{moment}_%s" if moment in CRITERIA else "id_%s")
        kwargs.setdefault("initial", {"moment": moment})
        super().__init__(*args, **kwargs)
        self.moment = moment if moment in CRITERIA else None
        # A labelled scale with nothing chosen in advance: a preset score would be
        # counted as the applicant's own when they skip a question.
        choices = [(i, f"{i} - {SCORE_LABELS[i]}") for i in range(5, 0, -1)]
        scores = {
            name: forms.TypedChoiceField(
                label=CRITERION_LABELS[name],
                choices=choices,
                coerce=int,
                widget=RadioSelect(attrs={"class": "scale"}),
            )
            for name in CRITERIA.get(self.moment, ())
        }
        self.fields = {**scores, **self.fields}

    def clean(self):
        data = super().clean()
        if self.moment is None or data.get("moment") != self.moment:
            raise forms.ValidationError(_("Choose the step you evaluate."))
        return data

    def scores(self) -> dict:
        return {name: self.cleaned_data[name] for name in CRITERIA[self.moment]}
