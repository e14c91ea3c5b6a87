"""Form helpers of both interfaces: accessible inputs, and the sign-in form (citizens
at the portal and officials at the back office sign in the same way)."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


class AccessibleFormMixin:
    """Every input gets the house class, and fields with errors point to them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if not isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                widget.attrs.setdefault("class", "input")
            described = []
            if field.help_text:
                described.append(f"id_{name}-hint")
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                ids = [f"id_{name}-error"]
                if self.fields[name].help_text:
                    ids.append(f"id_{name}-hint")
                widget.attrs["aria-describedby"] = " ".join(ids)


class SignInForm(AccessibleFormMixin, auth_forms.AuthenticationForm):
    username = forms.CharField(
        label=_("ID number, email or phone number"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    error_messages = {
        "invalid_login": _(
            "The ID number, email or phone number, or the password, is not correct. "
            "Passwords are case-sensitive."
        ),
        "inactive": _("This account is disabled. Contact the help desk."),
    }
