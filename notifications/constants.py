"""Choices and the default wording of notifications. Identifiers English, labels translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenChannel(models.TextChoices):
    """Besides the in-app notification centre, which every citizen always gets."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    NONE = "none", _("Only in my notification centre")


class OfficialEmail(models.TextChoices):
    DIGEST = "digest", _("One daily digest")
    IMMEDIATE = "immediate", _("Immediately, one email per event")
    NONE = "none", _("No email")


class Channel(models.TextChoices):
    INAPP = "inapp", _("Notification centre")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Audience(models.TextChoices):
    CITIZEN = "citizen", _("Applicant")
    OFFICIAL = "official", _("Official")


# kind -> (what happened, what the applicant does next, what the official does next).
# The kinds are dossiers.constants.EventKind (the outbox contract); kept as plain
# strings here so this table reads without the dossiers app.
EVENT_TEXT = {
    "submitted": (
        _("The dossier was submitted."),
        _("The one-stop desk will check it; you will be told when it is received."),
        _("Check the dossier and receive it, or refuse it with a reason."),
    ),
    "received": (
        _("The dossier was received; the processing time has started."),
        _("Nothing to do now; follow its progress on the dossier page."),
        _("Assign the dossier to a specialist."),
    ),
    "refused": (
        _("The dossier was not received."),
        _("Read the reason on the dossier page; you may file a new dossier."),
        _("Nothing to do."),
    ),
    "supplement_requested": (
        _("The agency asked for a supplement to the dossier."),
        _("Open the dossier, read what is missing and send the supplement."),
        _("Wait for the applicant's supplement."),
    ),
    "supplemented": (
        _("The applicant sent the requested supplement."),
        _("Nothing to do now; processing continues."),
        _("Check the supplement and continue processing."),
    ),
    "payment_required": (
        _("A financial obligation must be paid before the result."),
        _("Open the dossier and pay the amount due."),
        _("Wait for the payment."),
    ),
    "paid": (
        _("The payment was received."),
        _("Nothing to do now; processing continues."),
        _("Continue processing the dossier."),
    ),
    "assigned": (
        _("The dossier was assigned for processing."),
        _("Nothing to do now."),
        _("Appraise the dossier assigned to you."),
    ),
    "forwarded": (
        _("The dossier was forwarded for processing."),
        _("Nothing to do now."),
        _("Continue processing the dossier forwarded to you."),
    ),
    "consulted": (
        _("Your agency's opinion was asked on a dossier."),
        _("Nothing to do now."),
        _("Give your agency's opinion on the dossier."),
    ),
    "consultation_answered": (
        _("A consulted agency answered."),
        _("Nothing to do now."),
        _("Read the answer and continue processing."),
    ),
    "proposed": (
        _("A result was proposed for approval."),
        _("Nothing to do now."),
        _("Review the proposed result and approve it or send it back."),
    ),
    "sent_back": (
        _("The proposed result was sent back."),
        _("Nothing to do now."),
        _("Read the leader's note and rework the dossier."),
    ),
    "result_ready": (
        _("The result of the dossier is ready."),
        _("Collect the result as the dossier page explains."),
        _("Return the result to the applicant."),
    ),
    "returned": (
        _("The result was returned."),
        _("Please rate your satisfaction on the dossier page."),
        _("Nothing to do."),
    ),
    "withdrawn": (
        _("The dossier was withdrawn."),
        _("Nothing to do."),
        _("Nothing to do; the dossier is closed."),
    ),
    "stopped": (
        _("Processing of the dossier was stopped."),
        _("Read the notice of stopping on the dossier page."),
        _("Nothing to do."),
    ),
    "due_soon": (
        _("The dossier is due soon."),
        _("Nothing to do now."),
        _("Finish the dossier before its appointment date."),
    ),
    "overdue": (
        _("The dossier is overdue."),
        _("Nothing to do now; the agency will contact you."),
        _("Finish the dossier and issue an apology with a new appointment."),
    ),
    "apology_issued": (
        _("The agency apologised for the delay and set a new appointment date."),
        _("Read the apology and the new appointment date on the dossier page."),
        _("Nothing to do."),
    ),
    "message_sent": (
        _("A new message was posted on the dossier."),
        _("Read the message on the dossier page."),
        _("Read the message and answer the applicant."),
    ),
    "export_ready": (
        _("Your export is ready."),
        _("Download it from the page where you asked for it."),
        _("Download it from the page where you asked for it."),
    ),
    "reminder": (
        _("A reminder about your dossier."),
        _("Open the dossier and complete what is asked."),
        _("Nothing to do."),
    ),
    # Citizens' feedback (feedback.services); the event names the item, not a dossier.
    "feedback_received": (
        _("Your feedback was received."),
        _("Keep its code; the agency will answer within the time shown on its page."),
        _("Assign the feedback to an official who will answer it."),
    ),
    "feedback_assigned": (
        _("Feedback was assigned to you."),
        _("Nothing to do now."),
        _("Answer the feedback before its deadline."),
    ),
    "feedback_answered": (
        _("The agency answered your feedback."),
        _("Read the answer on the feedback page."),
        _("Nothing to do."),
    ),
    "feedback_closed": (
        _("Your feedback was closed without an answer."),
        _("Read the reason on the feedback page."),
        _("Nothing to do."),
    ),
}

# Kinds about a feedback item rather than a dossier: the sender is `data["sender"]`.
FEEDBACK_KINDS = frozenset(
    {"feedback_received", "feedback_assigned", "feedback_answered", "feedback_closed"}
)

REMINDER_TEXT = {
    "supplement": _("The agency is still waiting for your supplement."),
    "payment": _("The agency is still waiting for your payment."),
    "draft": _(
        "Your draft has not been changed for a long time; it will be deleted if it stays untouched."
    ),
}

# Kinds the applicant (and a business's representatives) hear about.
CITIZEN_KINDS = frozenset(
    {
        "submitted",
        "received",
        "refused",
        "supplement_requested",
        "payment_required",
        "result_ready",
        "returned",
        "withdrawn",
        "stopped",
        "apology_issued",
        "reminder",
        "feedback_received",
        "feedback_answered",
        "feedback_closed",
    }
)
