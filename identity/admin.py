"""Django admin for accounts, officials' memberships, businesses and the audit log.

Officials are managed here. Role changes and second-factor resets go through the
services, so each one lands in the account audit log. ID numbers are masked for
everyone but superusers, in lists, forms and search.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from identity import services
from identity.models import (
    AccountEvent,
    Business,
    BusinessMembership,
    OfficialMembership,
    RegistryResident,
    User,
)
from identity.validators import mask_id_number

# Locked once the population registry has confirmed them.
REGISTRY_FIELDS = ("full_name", "birth_date", "sex", "permanent_address", "id_number")


class OfficialMembershipInline(admin.TabularInline):
    model = OfficialMembership
    extra = 0
    fields = ("agency_code", "role", "created_at")
    readonly_fields = ("created_at",)


class BusinessMembershipInline(admin.TabularInline):
    model = BusinessMembership
    extra = 0
    fk_name = "user"
    fields = ("business", "role")
    autocomplete_fields = ("business",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Identity"),
            {
                "fields": (
                    "full_name",
                    "id_number",
                    "birth_date",
                    "sex",
                    "permanent_address",
                    "verification_level",
                    "registry_verified_at",
                )
            },
        ),
        (_("Contact"), {"fields": ("email", "email_verified_at", "phone", "phone_verified_at")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    inlines = [OfficialMembershipInline, BusinessMembershipInline]
    list_display = (
        "username",
        "full_name",
        "masked_id_number",
        "email",
        "phone",
        "verification_level",
        "is_active",
    )
    list_filter = (
        "verification_level",
        "is_staff",
        "is_superuser",
        "is_active",
        "official_memberships__role",
    )
    search_fields = ("username", "full_name", "email", "phone")
    actions = ["reset_second_factor"]

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number or "")

    def get_list_display(self, request):
        if request.user.is_superuser:
            return tuple(
                "id_number" if name == "masked_id_number" else name for name in self.list_display
            )
        return self.list_display

    def get_search_fields(self, request):
        # Only superusers may look a person up by ID number (exact match).
        if request.user.is_superuser:
            return (*self.search_fields, "=id_number")
        return self.search_fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        return tuple(
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "masked_id_number" if f == "id_number" else f for f in options["fields"]
                    ),
                },
            )
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = [
            "registry_verified_at",
            "email_verified_at",
            "phone_verified_at",
            "verification_level",
            "last_login",
            "date_joined",
            "masked_id_number",
        ]
        if obj is not None and obj.is_registry_verified:
            readonly += list(REGISTRY_FIELDS)
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "groups", "is_staff"]
        return readonly

    def save_formset(self, request, form, formset, change):
        if formset.model is not OfficialMembership:
            return super().save_formset(request, form, formset, change)
        # Role changes go through the services so they are audited.
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.official_membership_revoke(
                membership=membership, actor=request.user, request=request
            )
        for membership in instances:
            if membership.pk:
                old = OfficialMembership.objects.get(pk=membership.pk)
                if (old.agency_code, old.role) != (membership.agency_code, membership.role):
                    services.official_membership_revoke(
                        membership=old, actor=request.user, request=request
                    )
                    membership.pk = None
                else:
                    continue
            services.official_membership_grant(
                user=form.instance,
                agency_code=membership.agency_code,
                role=membership.role,
                actor=request.user,
                request=request,
            )
        return None

    @admin.action(description=_("Reset the second factor (the official enrols again)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.otp_reset(user=user, actor=request.user, request=request)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "The second factor of %(count)d account was reset.",
                "The second factors of %(count)d accounts were reset.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class BusinessMemberInline(admin.TabularInline):
    model = BusinessMembership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ("name", "enterprise_code", "legal_representative", "created_at")
    search_fields = ("name", "enterprise_code")
    inlines = [BusinessMemberInline]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the database refuses edits too)."""

    list_display = ("created_at", "kind", "user", "actor_display", "ip_address")
    list_filter = ("kind", "created_at")
    search_fields = ("user__username", "user__full_name", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in AccountEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RegistryResident)
class RegistryResidentAdmin(admin.ModelAdmin):
    list_display = ("full_name", "masked_id_number", "birth_date", "sex")
    search_fields = ("full_name",)

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def get_list_display(self, request):
        if request.user.is_superuser:
            return ("full_name", "id_number", "birth_date", "sex")
        return self.list_display

    def get_fields(self, request, obj=None):
        fields = ["full_name", "id_number", "birth_date", "sex", "permanent_address"]
        if not request.user.is_superuser:
            fields[1] = "masked_id_number"
        return fields

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("masked_id_number",)
