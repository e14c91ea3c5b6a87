"""Webhooks in Django admin: subscriptions (written through `api.webhooks`, the secret
shown once when generated), and the deliveries with their attempts, last error and next
try, which an admin may retry once they failed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from api import webhooks
from api.models import ApiClient
from api.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from dossiers import outbox
from dossiers.constants import DeliveryStatus


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[WebhookEvent.STATUS_CHANGED],
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Empty: a new one is generated (new subscription) or the current one kept."),
    )

    class Meta:
        model = WebhookSubscription
        # `url` is declared above (with its scheme), not made from the model field here.
        fields = ["client", "secret", "events", "national_status_only", "description"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            webhooks.webhook_clean(data.get("url", ""), data.get("secret", ""), data.get("events"))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "url",
        "client",
        "event_list",
        "national_status_only",
        "created_at",
        "deleted_at",
    ]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter), "national_status_only"]
    list_select_related = ["client"]
    search_fields = ["url", "client__name", "description"]
    readonly_fields = ["ref", "recipient", "created_at", "deleted_at"]
    actions = ["unsubscribe"]

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    def has_delete_permission(self, request, obj=None):
        # Deleting keeps the history: the action below, through the service.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "url": data["url"],
            "secret": data.get("secret", ""),
            "events": data["events"],
            "description": data.get("description", ""),
        }
        if change:
            obj.client = data.get("client")
            saved = webhooks.webhook_update(
                subscription=obj, national_status_only=data["national_status_only"], **fields
            )
        elif data.get("client") is not None:
            saved = webhooks.webhook_subscribe(client=data["client"], **fields)
            if data["national_status_only"]:
                saved.national_status_only = True
                saved.save(update_fields=["national_status_only"])
        else:
            saved = webhooks.webhook_operators_subscribe(
                national_status_only=data["national_status_only"], **fields
            )
        form.instance = saved
        obj.pk = saved.pk
        if not fields["secret"] and not change:
            messages.warning(
                request,
                _("Signing secret (shown only now, give it to the receiver): %(secret)s")
                % {"secret": saved.secret},
            )

    def save_related(self, request, form, formsets, change):
        pass  # no relations of its own

    @admin.action(description=_("Unsubscribe (undelivered events are dropped)"))
    def unsubscribe(self, request, queryset):
        for subscription in queryset:
            webhooks.webhook_delete(subscription=subscription)
        messages.success(request, _("Unsubscribed."))


class ClientFilter(admin.SimpleListFilter):
    title = _("API client")
    parameter_name = "client"

    def lookups(self, request, model_admin):
        return [
            (str(c.pk), c.name) for c in ApiClient.objects.filter(webhooks__isnull=False).distinct()
        ]

    def queryset(self, request, queryset):
        if self.value():
            recipients = WebhookSubscription.objects.filter(client_id=self.value()).values(
                "recipient"
            )
            return queryset.filter(recipient__in=recipients)
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "subscription",
        "event",
        "dossier_code",
        "status",
        "attempts",
        "short_error",
        "next_try",
        "sent_at",
    ]
    list_filter = ["status", ClientFilter]
    list_select_related = ["event__dossier"]
    search_fields = ["event__dossier__code", "recipient"]
    show_full_result_count = False
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        self._subscriptions = None
        return super().get_queryset(request)

    @admin.display(description=_("subscription"))
    def subscription(self, obj):
        # One query for the page's subscriptions, not one per row.
        if getattr(self, "_subscriptions", None) is None:
            self._subscriptions = {
                s.recipient: s for s in WebhookSubscription.objects.select_related("client")
            }
        found = self._subscriptions.get(obj.recipient)
        return str(found) if found else obj.recipient

    @admin.display(description=_("dossier"))
    def dossier_code(self, obj):
        return obj.event.dossier or "—"

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.display(description=_("next attempt"))
    def next_try(self, obj):
        return obj.next_attempt_at if obj.status == DeliveryStatus.PENDING else "—"

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
