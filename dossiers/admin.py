"""Dossiers in the Django admin: read-only. Every change goes through the services
(the log table refuses UPDATE and DELETE anyway)."""

from django.contrib import admin

from dossiers.models import Dossier, DossierLog, DossierMessage, Payment, Rating


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DossierLog)
class DossierLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "dossier", "action", "actor_name", "actor_role", "visibility")
    list_filter = ("action", "visibility")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


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
admin.site.register(Rating, ReadOnlyAdmin)
