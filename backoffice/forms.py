from django import forms
from django.utils.translation import gettext_lazy as _

from portal.account_forms import AccessibleFormMixin, SignInForm


class OfficialSignInForm(SignInForm):
    pass


class OtpForm(AccessibleFormMixin, forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )
