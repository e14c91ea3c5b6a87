"""Webhook subscriptions of API clients, and their deliveries as Django admin lists them.

A subscription is a URL and a secret that receive a client's events (signed, see
`api.webhooks`). A subscription without a client is the operators' own (the national
public-service portal's status push): it hears of every dossier of the city. The
deliveries themselves are the outbox's rows (`dossiers.OutboxDelivery`, subscriber
`partner`), one per event and subscription, whose `recipient` is the subscription's."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import OutboxDelivery


class WebhookEvent(models.TextChoices):
    """What a subscription may ask to hear of."""

    STATUS_CHANGED = "dossier.status_changed", _("Dossier status changed")
    FORM_ISSUED = "dossier.form_issued", _("Standard form issued without a status change")


class WebhookSubscription(models.Model):
    ref = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "api.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text=_("Empty: a subscription of the operators, for every dossier of the city."),
    )
    # The outbox deliveries' recipient: `national-portal` for the national portal's
    # push (its history and the workbench's sync line use that name), else from `ref`.
    recipient = models.CharField(_("recipient"), max_length=120, unique=True, editable=False)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        help_text=_("Signs every delivery (HMAC-SHA256); the receiver checks with it."),
    )
    events = ArrayField(
        models.CharField(max_length=40, choices=WebhookEvent.choices),
        verbose_name=_("events"),
        default=list,
    )
    national_status_only = models.BooleanField(
        _("changes of the national status only"),
        default=False,
        help_text=_(
            "Send a status change only when the status on the national list changes (the "
            "national portal's push)."
        ),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["client"], name="webhook_active", condition=models.Q(deleted_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.client or _('operators')}: {self.url}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None


class WebhookDeliveryManager(models.Manager):
    def get_queryset(self):
        from dossiers import partner

        return super().get_queryset().filter(subscriber=partner.NAME)


class WebhookDelivery(OutboxDelivery):
    """The outbox's deliveries to webhook subscriptions (a proxy: no table of its own)."""

    objects = WebhookDeliveryManager()

    class Meta:
        proxy = True
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
