"""In-app notifications, people's notification preferences, admin-editable message
templates and the ledger of messages sent (the idempotency record of every email,
SMS and periodic job). Only `notifications.services` writes these tables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.constants import EVENT_TEXT, CitizenChannel, OfficialEmail

KIND_CHOICES = [(kind, kind) for kind in EVENT_TEXT]


class NotificationPreference(models.Model):
    """How a person wants to hear about their dossiers. No row = the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    citizen_channel = models.CharField(
        _("notify me about my dossiers by"),
        max_length=10,
        choices=CitizenChannel,
        default=CitizenChannel.EMAIL,
    )
    official_email = models.CharField(
        _("email about dossiers of my work"),
        max_length=10,
        choices=OfficialEmail,
        default=OfficialEmail.DIGEST,
    )
    language = models.CharField(
        _("language of messages"), max_length=5, choices=settings.LANGUAGES, default="vi"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class NotificationTemplate(models.Model):
    """An administrator's wording for one event in one language. Rendered with Django
    template syntax in a sandbox: no tags that load or include anything, and only the
    fixed context documented in the admin (strings, never model objects)."""

    kind = models.CharField(_("event"), max_length=32, choices=KIND_CHOICES)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject / title"), max_length=300)
    body = models.TextField(_("body (email and notification centre)"))
    sms = models.CharField(_("SMS text"), max_length=480, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="notification_template_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"


class Notification(models.Model):
    """One entry of a person's notification centre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # The outbox delivery's key: a retried delivery never makes a second entry.
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The centre: keyset on (created_at, id) per person.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user"),
            # The bell: an index-only count of the unread ones.
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at=None)),
        ]

    def __str__(self) -> str:
        return self.title


class SentMessage(models.Model):
    """The ledger of emails and SMS sent and of periodic jobs done, one row per key
    (an outbox delivery's key, or `digest:<user>:<date>` ...). Inserting the row in
    the transaction that does the work makes every sender and job safe to run twice
    and on several workers at once: the second insert waits, then fails."""

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    to = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message sent")
        verbose_name_plural = _("messages sent")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key
