"""Forms of the citizen feedback pages. The rules (whose dossier, which agency, the
files) are checked again by `feedback.services.feedback_send`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.html import FastSelect
from feedback.constants import Kind
from feedback.services import TEXT_MAX, TITLE_MAX
from web.forms import AccessibleFormMixin


class SendForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, initial=Kind.FEEDBACK, widget=forms.RadioSelect
    )
    agency = forms.TypedChoiceField(
        label=_("Agency"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=_("Content"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe what happened, when and where; do not write ID numbers."),
    )
    public_consent = forms.BooleanField(
        label=_(
            "I agree that the answer may be published, with my question, without my personal data."
        ),
        required=False,
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is None:
            # The agency follows from the dossier or the procedure's only agency.
            del self.fields["agency"]
        else:
            self.fields["agency"].choices = [("", "---"), *agencies]
            self.fields["agency"].required = True


class PublicFilterForm(forms.Form):
    agency = forms.TypedChoiceField(
        label=_("Agency"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("All agencies")), *agencies]

    def agency_id(self):
        """The chosen agency, or None (all) when missing or not a choice: a bad filter
        is ignored, never an error."""
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get("agency")
