"""Feedback and recommendations (phản ánh, kiến nghị) and their answers.

Only `feedback.services` writes these tables; `feedback.selectors` reads them, scoped
to who asks (the sender, the agency's officials, or the public list of consented
answers, which reads only the redacted public columns).
"""

from __future__ import annotations

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.choices import FastChoiceLabels
from feedback.constants import OPEN, Action, Kind, Status, Subject


class Feedback(FastChoiceLabels, models.Model):
    # In URLs: a random ref, never the code (a day's codes are sequential) or the id.
    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("feedback code"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.FEEDBACK)
    subject = models.CharField(_("about"), max_length=10, choices=Subject)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    # The agency that answers: the dossier's competent agency, or the one the sender
    # chose (for a procedure, among its competent agencies).
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("content"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="feedback_sent",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RECEIVED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned official"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_assigned",
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    # FEEDBACK_ANSWER_DAYS working days after receipt (procedures.calendar).
    due_at = models.DateTimeField(_("answer due"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    public_consent = models.BooleanField(
        _("answer may be published"),
        default=False,
        help_text=_("The sender agreed that the answer is published without personal data."),
    )
    # What the public list shows, written with the answer and cleaned of personal
    # data then (`feedback.redaction`): the public door never reads `text` or `answer`.
    public_question = models.TextField(_("question as published"), blank=True)
    public_answer = models.TextField(_("answer as published"), blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [
            models.Index(fields=["sender", "-created_at", "-id"], name="feedback_sender"),
            # The agency's open queue, soonest deadline first.
            models.Index(
                fields=["agency", "due_at", "id"],
                name="feedback_open_queue",
                condition=Q(status__in=OPEN),
            ),
            models.Index(fields=["agency", "-created_at", "-id"], name="feedback_agency_all"),
            # The public list: answered, consented, newest answer first.
            models.Index(
                fields=["agency", "-answered_at", "-id"],
                name="feedback_public",
                condition=Q(status=Status.ANSWERED, public_consent=True),
            ),
            models.Index(
                fields=["-answered_at", "-id"],
                name="feedback_public_all",
                condition=Q(status=Status.ANSWERED, public_consent=True),
            ),
            models.Index(fields=["agency", "answered_at"], name="feedback_answered"),
        ]
        constraints = [
            models.CheckConstraint(
                name="feedback_subject_target",
                condition=(
                    Q(subject=Subject.DOSSIER, dossier__isnull=False)
                    | Q(subject=Subject.PROCEDURE, procedure__isnull=False)
                    | Q(subject=Subject.AGENCY)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class FeedbackCodeCounter(models.Model):
    """Last sequence number given per day: incremented by an upsert inside the sending
    transaction, so the row stays locked until commit and a rollback gives the number
    back (gap-free, like the dossier codes)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class FeedbackAttachment(models.Model):
    """A file the sender attached: a StoredFile of theirs, checked like every upload."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="attachments")
    file = models.ForeignKey("dossiers.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class FeedbackLog(FastChoiceLabels, models.Model):
    """The history of an item: one row per step, written in the transaction of the
    step by `feedback.services`. PostgreSQL refuses UPDATE and DELETE (pgtrigger)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="log")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    from_status = models.CharField(_("from"), max_length=10, choices=Status, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Status)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("feedback history entry")
        verbose_name_plural = _("feedback history")
        ordering = ["feedback", "created_at", "id"]
        triggers = [
            pgtrigger.Protect(name="protect_update", operation=pgtrigger.Update),
            pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"
