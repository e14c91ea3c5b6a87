"""Forms of the citizen account pages. Validation of identity rules lives in
`identity.validators` and `identity.services`; these only shape the input."""

import datetime

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from identity.constants import BusinessRole, Sex
from identity.validators import (
    id_number_errors,
    normalize_enterprise_code,
    normalize_id_number,
    normalize_phone,
    validate_enterprise_code,
    validate_phone,
)
from web.forms import AccessibleFormMixin


def phone_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        **kwargs,
    )


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Email address"),
        required=False,
        # The column's length (Django's form field alone would take 320 characters).
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PhoneCleaningMixin:
    def clean_phone(self):
        value = normalize_phone(self.cleaned_data["phone"])
        if value:
            validate_phone(value)
        return value


class CitizenSignUpForm(PhoneCleaningMixin, AccessibleFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("Personal ID number (CCCD)"),
        max_length=20,
        help_text=_("The 12 digits on your citizen identity card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        help_text=_("As on your identity card, with accents."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    phone = phone_field(
        help_text=_("We send a code to confirm it. Enter a phone number, an email, or both.")
    )
    email = email_field()
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters; not only digits; not like your name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data["id_number"])
        return value

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > datetime.date.today():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if "id_number" in data:
            for error in id_number_errors(
                data["id_number"], birth_date=data.get("birth_date"), sex=data.get("sex")
            ):
                self.add_error("id_number", error)
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class PhoneCodeForm(AccessibleFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class BusinessSignUpForm(AccessibleFormMixin, forms.Form):
    enterprise_code = forms.CharField(
        label=_("Enterprise code"),
        max_length=20,
        help_text=_("10 digits, or 10 digits-3 digits for a branch, e.g. 0100109106-001."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Business name"), max_length=300)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=200)
    role = forms.ChoiceField(
        label=_("Your role in the business"), choices=BusinessRole.choices, widget=forms.RadioSelect
    )

    def clean_enterprise_code(self):
        value = normalize_enterprise_code(self.cleaned_data["enterprise_code"])
        validate_enterprise_code(value)
        return value


class BusinessMemberForm(AccessibleFormMixin, forms.Form):
    member = forms.CharField(
        label=_("Member's email or phone number"),
        max_length=254,
        help_text=_(
            "They get an invitation if an account uses it, and become a member once they accept."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=BusinessRole.choices, widget=forms.RadioSelect
    )


class PasswordChangeForm(AccessibleFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordForgotForm(AccessibleFormMixin, forms.Form):
    identifier = forms.CharField(
        label=_("Email or mobile phone number of your account"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class SmsPasswordResetForm(AccessibleFormMixin, forms.Form):
    code = PhoneCodeForm.base_fields["code"]
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters; not only digits; not like your name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        # Checked here without the account, which the page does not know: a password
        # like the account's name would otherwise be refused only for a phone that has
        # one. The service checks it against the account once the code is right.
        data = super().clean()
        p1, p2 = data.get("new_password1"), data.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("The two passwords are not the same."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data


class SetPasswordForm(AccessibleFormMixin, auth_forms.SetPasswordForm):
    pass


class ContactChangeForm(PhoneCleaningMixin, AccessibleFormMixin, forms.Form):
    phone = phone_field()
    email = email_field()
    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        help_text=_(
            "Asked so that nobody else can take over your account from a device you left open."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The password is not correct."))
        return value
