"""API clients in Django admin: created and changed through `api.clients`, the key shown
once in a message; their calls and filings read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from api import clients
from api.constants import Scope
from api.models import ApiCall, ApiClient, ApiIntake
from common.admin import ReadOnlyAdmin


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    allowed_ips = forms.CharField(
        label=_("allowed addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One IP address or network (CIDR) per line; empty: any address."),
    )

    class Meta:
        model = ApiClient
        fields = ["name", "agencies", "scopes", "allowed_ips", "rate", "contact"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_ips"] = "\n".join(self.instance.allowed_ips)

    def clean_allowed_ips(self):
        return [
            line.strip() for line in self.cleaned_data["allowed_ips"].splitlines() if line.strip()
        ]

    def clean_rate(self):
        rate = self.cleaned_data["rate"].strip()
        if rate:
            from common.ratelimit import parse_rate

            try:
                parse_rate(rate)
            except (ValueError, KeyError, IndexError):
                raise ValidationError(_('Write the rate as "600/minute".')) from None
        return rate


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "client_id", "scope_list", "key_rotated_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "client_id", "key_id"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["client_id", "key_id", "user", "created_at", "key_rotated_at", "revoked_at"]
    actions = ["rotate_key", "revoke"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        # The agencies are set in `save_related`; the roles follow them there.
        if change:
            obj.save()
            return
        issued = clients.api_client_create(
            name=obj.name,
            agencies=form.cleaned_data["agencies"],
            scopes=form.cleaned_data["scopes"],
            allowed_ips=form.cleaned_data["allowed_ips"],
            rate=obj.rate,
            contact=obj.contact,
            actor=request.user,
        )
        # The admin goes on with `obj` (its success message links to the new row).
        obj.pk, obj.client_id = issued.client.pk, issued.client.client_id
        form.instance = issued.client
        self._show_key(request, issued)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
            clients.api_client_update(client=form.instance, actor=request.user)

    def _show_key(self, request, issued):
        messages.warning(
            request,
            _(
                "Client id %(id)s. API key (shown only now, copy it into the partner system): "
                "%(key)s"
            )
            % {"id": issued.client.client_id, "key": issued.key},
        )

    @admin.action(description=_("Issue a new key (the old one stops working)"))
    def rotate_key(self, request, queryset):
        for client in queryset:
            try:
                self._show_key(
                    request, clients.api_client_rotate(client=client, actor=request.user)
                )
            except ValidationError as error:
                messages.error(request, f"{client}: {' '.join(error.messages)}")

    @admin.action(description=_("Revoke (the key stops working, roles are removed)"))
    def revoke(self, request, queryset):
        for client in queryset:
            clients.api_client_revoke(client=client, actor=request.user)
        messages.success(request, _("Revoked."))


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ["at", "client", "method", "endpoint", "status", "duration_ms", "ip_address"]
    list_filter = ["status", "method"]
    list_select_related = ["client"]
    search_fields = ["path"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ApiIntake)
class ApiIntakeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "client", "external_id", "dossier"]
    list_select_related = ["client", "dossier"]
    search_fields = ["external_id", "dossier__code"]
    raw_id_fields = ["dossier"]


# Webhook subscriptions and deliveries: their own module.
from api import webhook_admin  # noqa: E402,F401
