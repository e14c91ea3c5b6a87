"""Django admin for accounts, officials' memberships, businesses and the audit log.

Officials are managed here, by superusers and, for their own agencies and the units
below them, by agency admins. Role changes, deactivations and second-factor resets
go through the services, so each one lands in the account audit log. ID numbers are
masked for everyone but superusers, in lists, forms and search.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from identity import permissions, services
from identity.constants import OfficialRole
from identity.models import (
    AccountEvent,
    Business,
    BusinessMembership,
    OfficialMembership,
    RegistryResident,
    User,
)
from identity.validators import mask_id_number
from procedures.models import Agency

# Locked once the population registry has confirmed them.
REGISTRY_FIELDS = ("full_name", "birth_date", "sex", "permanent_address", "id_number")


def _administered(request) -> set[int]:
    """Agencies the signed-in agency admin manages, computed once per request."""
    if not hasattr(request, "_administered_agency_ids"):
        request._administered_agency_ids = permissions.administered_agency_ids(request.user)
    return request._administered_agency_ids


def _agency_choices(request):
    agencies = Agency.objects.order_by("code")
    if request.user.is_superuser:
        return agencies
    return agencies.filter(pk__in=_administered(request))


class OfficialMembershipInline(admin.TabularInline):
    model = OfficialMembership
    extra = 0
    fields = ("agency", "role", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        # An agency admin sees (and may change) only the roles in their agencies; an
        # official's roles elsewhere are the other agency's business.
        queryset = super().get_queryset(request).select_related("agency")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(agency_id__in=_administered(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = _agency_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BusinessMembershipInline(admin.TabularInline):
    model = BusinessMembership
    extra = 0
    fk_name = "user"
    fields = ("business", "role")
    autocomplete_fields = ("business",)


class OfficialAddForm(UserCreationForm):
    """What an agency admin fills in to add an official: the account and its first
    role in one of their agencies (an account without a role would fall outside
    everything they can see)."""

    agency = forms.ModelChoiceField(label=_("agency"), queryset=Agency.objects.none())
    role = forms.ChoiceField(label=_("role"), choices=OfficialRole.choices)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email", "phone")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Superusers manage every account. Agency admins (the agency-admin role plus the
    group kept by `services.agency_admin_group`) manage officials of their agencies
    and the units below: only the officials' working fields, never flags or groups,
    never citizens, never themselves (see `permissions.may_manage_official`)."""

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
    # Officials' working data only: no ID number, birth date, sex or address (a
    # person's own data, also when the official is a citizen too).
    agency_admin_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Official"), {"fields": ("full_name", "email", "phone")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    agency_admin_add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "phone",
                    "agency",
                    "role",
                    "password1",
                    "password2",
                ),
            },
        ),
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
    actions = ["reset_second_factor", "deactivate_officials", "reactivate_officials"]

    # --- who sees whom ---------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=permissions.officials_in(_administered(request)).values("pk"))

    def has_add_permission(self, request):
        allowed = super().has_add_permission(request)
        return allowed and (request.user.is_superuser or bool(_administered(request)))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return permissions.may_manage_official(request.user, obj, _administered(request))

    def has_delete_permission(self, request, obj=None):
        # Accounts carry an audit trail and dossier history: deactivate, don't delete.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_inlines(self, request, obj):
        if request.user.is_superuser:
            return self.inlines
        # On the add page the first role is part of the form itself.
        return [] if obj is None else [OfficialMembershipInline]

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return ("is_active", "official_memberships__role")

    # --- forms -----------------------------------------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None or request.user.is_superuser:
            return super().get_form(request, obj, **kwargs)
        kwargs["form"] = OfficialAddForm
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["agency"].queryset = _agency_choices(request)
        return form

    def get_fieldsets(self, request, obj=None):
        if not request.user.is_superuser:
            return self.agency_admin_add_fieldsets if obj is None else self.agency_admin_fieldsets
        return super().get_fieldsets(request, obj)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            services.official_create(
                user=obj,
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                actor=request.user,
                request=request,
            )
            return
        super().save_model(request, obj, form, change)

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
            # Flags change only through the audited actions and the agency-admin role.
            readonly += ["is_superuser", "user_permissions", "groups", "is_staff", "is_active"]
        return readonly

    def save_formset(self, request, form, formset, change):
        if formset.model is not OfficialMembership:
            return super().save_formset(request, form, formset, change)
        # Role changes go through the services so they are audited (and, for agency
        # admins, checked against their agencies once more).
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.official_membership_revoke(
                membership=membership, actor=request.user, request=request
            )
        for membership in instances:
            if membership.pk:
                old = OfficialMembership.objects.select_related("agency").get(pk=membership.pk)
                if (old.agency_id, old.role) != (membership.agency_id, membership.role):
                    services.official_membership_revoke(
                        membership=old, actor=request.user, request=request
                    )
                    membership.pk = None
                else:
                    continue
            services.official_membership_grant(
                user=form.instance,
                agency=membership.agency,
                role=membership.role,
                actor=request.user,
                request=request,
            )
        return None

    # --- actions ---------------------------------------------------------------------

    def _manageable(self, request, queryset) -> list:
        """The selected accounts this admin may act on; says how many were skipped."""
        chosen = list(queryset)
        allowed = [
            user
            for user in chosen
            if permissions.may_manage_official(request.user, user, _administered(request))
        ]
        skipped = len(chosen) - len(allowed)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d account was left unchanged: you may not manage it.",
                    "%(count)d accounts were left unchanged: you may not manage them.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return allowed

    @admin.action(description=_("Reset the second factor (the official enrols again)"))
    def reset_second_factor(self, request, queryset):
        users = self._manageable(request, queryset)
        for user in users:
            services.otp_reset(user=user, actor=request.user, request=request)
        count = len(users)
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

    @admin.action(description=_("Deactivate (the official can no longer sign in)"))
    def deactivate_officials(self, request, queryset):
        changed = self._set_active(request, queryset, active=False)
        self.message_user(
            request,
            ngettext(
                "%(count)d account was deactivated.",
                "%(count)d accounts were deactivated.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate"))
    def reactivate_officials(self, request, queryset):
        changed = self._set_active(request, queryset, active=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d account was reactivated.",
                "%(count)d accounts were reactivated.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )

    def _set_active(self, request, queryset, *, active: bool) -> int:
        return sum(
            services.official_set_active(
                user=user, active=active, actor=request.user, request=request
            )
            for user in self._manageable(request, queryset)
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
class AccountEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only (the database refuses edits too)."""

    list_display = ("created_at", "kind", "user", "actor_display", "ip_address")
    list_filter = ("kind", "created_at")
    search_fields = ("user__username", "user__full_name", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = [f.name for f in AccountEvent._meta.fields]


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
