"""API clients, the log of their calls, and the keys of their filings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.constants import Scope


class ApiClient(models.Model):
    """A partner system (the national portal, an agency's own system). It acts through
    a service account (`user`) that holds back-office roles at its agencies only, so the
    back office's permission helpers and services decide what it may see and do.

    The API key is shown once; only its SHA-256 is kept. `key_id` (the key's public
    middle part) finds the row without scanning, the hash is compared in constant time."""

    client_id = models.UUIDField(_("client id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    agencies = models.ManyToManyField(
        "procedures.Agency", verbose_name=_("agencies"), related_name="api_clients"
    )
    scopes = ArrayField(
        models.CharField(max_length=30, choices=Scope.choices),
        verbose_name=_("scopes"),
        default=list,
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    key_id = models.CharField(_("key id"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    allowed_ips = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("allowed addresses"),
        default=list,
        blank=True,
        help_text=_("IP addresses or networks (CIDR) the client may call from; empty: any."),
    )
    rate = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        help_text=_(
            'Requests per period, e.g. "600/minute"; empty: the default (API_CLIENT_RATE).'
        ),
    )
    contact = models.CharField(_("technical contact"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    key_rotated_at = models.DateTimeField(_("key issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiCall(models.Model):
    """One call of a client: which endpoint, the answer's status, when and how long."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="calls"
    )
    method = models.CharField(_("method"), max_length=10)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    path = models.CharField(_("path"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [models.Index(fields=["client", "-at"], name="api_call_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class ApiIntake(models.Model):
    """A dossier a client filed, under the client's own id for it (`external_id`, e.g.
    the national portal's dossier code). The unique pair makes a retried filing find
    the first dossier instead of making a second one, also when two retries race."""

    client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), on_delete=models.PROTECT, related_name="intakes"
    )
    external_id = models.CharField(_("external id"), max_length=100)
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="api_intake",
    )
    request_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("API filing")
        verbose_name_plural = _("API filings")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"], name="api_intake_client_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.external_id}"


# Webhooks live in their own module; importing them here registers them with the app.
from api.webhook_models import WebhookDelivery, WebhookEvent, WebhookSubscription  # noqa: E402

__all__ = [
    "ApiCall",
    "ApiClient",
    "ApiIntake",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
