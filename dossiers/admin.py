"""Dossiers in the Django admin: read-only. Every change goes through the services
(the log table refuses UPDATE and DELETE anyway)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from dossiers import documents, outbox
from dossiers.constants import DeliveryStatus
from dossiers.models import (
    Dossier,
    DossierAssessment,
    DossierLog,
    DossierMessage,
    IssuedDocument,
    OutboxDelivery,
    OutboxEvent,
    Payment,
    Rating,
)


@admin.register(DossierLog)
class DossierLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "dossier", "action", "actor_name", "actor_role", "visibility")
    list_filter = ("action", "visibility")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(ReadOnlyAdmin):
    """The issued forms; those whose PDF could not be written show their error and can
    be retried."""

    list_display = (
        "issued_at",
        "dossier",
        "form",
        "number",
        "written",
        "attempts",
        "retry_at",
        "last_error",
    )
    list_filter = ("form",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description=_("file written"), boolean=True)
    def written(self, obj):
        return obj.written

    def has_retry_permission(self, request):
        return request.user.has_perm("dossiers.change_issueddocument")

    @admin.action(description=_("Retry writing the selected files"), permissions=["retry"])
    def retry(self, request, queryset):
        count = documents.retry_failed(issued_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            _("Files to be written again: %(count)d.") % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


class LogInline(admin.TabularInline):
    model = DossierLog
    fields = ("seq", "created_at", "action", "from_status", "to_status", "actor_name", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ("code", "status", "receiving_agency", "submitted_at", "due_at")
    list_filter = ("status",)
    search_fields = ("code",)
    list_select_related = ("receiving_agency",)
    exclude = ("form_data",)
    inlines = [LogInline]


admin.site.register(DossierMessage, ReadOnlyAdmin)
admin.site.register(Payment, ReadOnlyAdmin)


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "moment", "overall", "created_at")
    list_filter = ("moment", "overall")
    list_select_related = ("dossier",)


@admin.register(DossierAssessment)
class DossierAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "status", "finished_at", *DossierAssessment.INDICES)
    list_filter = ("status", "settled_on_time", "apology_when_late")
    list_select_related = ("dossier",)


# --- the outbox: read-only, except that failed deliveries can be retried ---------------


class DeliveryInline(admin.TabularInline):
    model = OutboxDelivery
    fields = ("subscriber", "recipient", "channel", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "dossier", "created_at", "planned_at")
    list_filter = ("kind",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)
    show_full_result_count = False
    inlines = [DeliveryInline]


@admin.register(OutboxDelivery)
class OutboxDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event",
        "dossier_code",
        "subscriber",
        "recipient",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "subscriber", "channel")
    search_fields = ("event__dossier__code", "recipient")
    list_select_related = ("event__dossier",)
    show_full_result_count = False
    actions = ["retry"]

    @admin.display(description=_("dossier"))
    def dossier_code(self, obj):
        return obj.event.dossier or "—"

    def has_retry_permission(self, request):
        return request.user.has_perm("dossiers.change_outboxdelivery")

    @admin.action(description=_("Retry the selected failed deliveries"), permissions=["retry"])
    def retry(self, request, queryset):
        count = outbox.delivery_retry(
            delivery_ids=queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            _("Failed deliveries to be retried: %(count)d.") % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
