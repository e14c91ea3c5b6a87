from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.constants import CitizenChannel, OfficialEmail


class PreferenceForm(forms.Form):
    citizen_channel = forms.ChoiceField(
        label=_("Besides the notification centre, tell me about my dossiers by"),
        choices=CitizenChannel.choices,
        widget=forms.RadioSelect,
        help_text=_("Messages go only to a confirmed phone number or email address."),
    )
    official_email = forms.ChoiceField(
        label=_("Email about the dossiers of my work"),
        choices=OfficialEmail.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of messages"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )

    def __init__(self, *args, official: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.official = official
        if not official:
            del self.fields["official_email"]

    def clean(self):
        data = super().clean()
        if self.official and not data.get("official_email"):
            self.add_error("official_email", _("Choose how to receive email about your work."))
        return data


def preference_form(user, data=None) -> PreferenceForm:
    """The form for `user`, filled with the saved choices (or the defaults)."""
    from identity.permissions import is_official
    from notifications.selectors import preference_for

    pref = preference_for(user)
    return PreferenceForm(
        data,
        official=is_official(user),
        initial={
            "citizen_channel": pref.citizen_channel,
            "official_email": pref.official_email,
            "language": pref.language,
        },
    )
