"""Feedback in the Django admin: read-only. Assigning, answering and closing go through
the back office (feedback.services), which writes the history; the history table
refuses UPDATE and DELETE anyway."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from feedback.models import Feedback, FeedbackAttachment, FeedbackLog


class LogInline(admin.TabularInline):
    model = FeedbackLog
    fields = ("created_at", "action", "from_status", "to_status", "actor_name", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = FeedbackAttachment
    fields = ("file",)
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "status", "agency", "assignee", "created_at", "due_at")
    list_filter = ("status", "kind", "subject", "public_consent")
    search_fields = ("code",)
    list_select_related = ("agency", "assignee")
    raw_id_fields = ("dossier", "procedure", "agency", "sender", "assignee")
    inlines = [AttachmentInline, LogInline]


@admin.register(FeedbackLog)
class FeedbackLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "feedback", "action", "from_status", "to_status", "actor_name")
    list_filter = ("action",)
    search_fields = ("feedback__code",)
    list_select_related = ("feedback",)
