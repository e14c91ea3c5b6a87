from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import (
    Notification,
    NotificationPreference,
    NotificationTemplate,
    SentMessage,
)
from notifications.rendering import CONTEXT_KEYS, compile_errors


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["kind", "language", "subject", "body", "sms", "is_active"]

    def clean(self):
        data = super().clean()
        for name in ("subject", "body", "sms"):
            error = compile_errors(data.get(name) or "")
            if error:
                self.add_error(name, error)
        return data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = NotificationTemplateForm
    list_display = ["kind", "language", "subject", "is_active", "updated_at"]
    list_filter = ["language", "is_active"]
    fieldsets = [
        (
            None,
            {
                "fields": ["kind", "language", "subject", "body", "sms", "is_active"],
                "description": _(
                    "Django template syntax; available variables: %(keys)s. Without a "
                    "template in use, the built-in wording is sent."
                )
                % {"keys": ", ".join(CONTEXT_KEYS)},
            },
        )
    ]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "citizen_channel", "official_email", "language", "updated_at"]
    list_filter = ["citizen_channel", "official_email", "language"]
    raw_id_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "dossier"]
    show_full_result_count = False


@admin.register(SentMessage)
class SentMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "to", "subject", "key"]
    list_filter = ["channel"]
    search_fields = ["key"]
    show_full_result_count = False
