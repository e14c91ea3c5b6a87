from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are written only by the services (logs, deliveries, calls): the
    admin may look, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
