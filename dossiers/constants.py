"""Choices of the dossiers app. Identifiers in English; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """The national status list (newly registered, received, not received, in progress,
    supplement requested, financial obligation, withdrawn, stopped, finished, returned)."""

    DRAFT = "draft", _("Draft")
    DISCARDED = "discarded", _("Discarded")
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Not received")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PROCESSING = "processing", _("In progress")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    AWAITING_PAYMENT = "awaiting_payment", _("Financial obligation")
    STOPPED = "stopped", _("Processing stopped")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")


class Action(models.TextChoices):
    """What a log row records. Transitions first, then events that keep the state."""

    CREATE = "create", _("Draft created")
    SUBMIT = "submit", _("Submitted")
    DISCARD = "discard", _("Draft discarded")
    RECEIVE = "receive", _("Received")
    REFUSE = "refuse", _("Refused to receive")
    WITHDRAW = "withdraw", _("Withdrawn")
    ASSIGN = "assign", _("Assigned")
    FORWARD = "forward", _("Forwarded")
    RETURN = "return", _("Sent back")
    PROPOSE = "propose", _("Result proposed")
    APPROVE = "approve", _("Approved")
    REQUEST_SUPPLEMENT = "request_supplement", _("Supplement requested")
    SUPPLEMENT = "supplement", _("Supplement provided")
    REQUIRE_PAYMENT = "require_payment", _("Financial obligation required")
    PAY = "pay", _("Paid")
    STOP = "stop", _("Processing stopped")
    RETURN_RESULT = "return_result", _("Result returned")
    RATE = "rate", _("Rated")
    # Events that do not change the state.
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Internal note")
    PAYMENT_RECEIVED = "payment_received", _("Fee paid")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")


class ActorRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RECEPTIONIST = "receptionist", _("One-stop desk official")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    SYSTEM = "system", _("System")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Visible to the applicant")
    INTERNAL = "internal", _("Internal")


class FileKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded by me")
    RESULT = "result", _("Result of a dossier")
    OFFICIAL = "official", _("From the agency")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentPurpose(models.TextChoices):
    FEE = "fee", _("Fee of the procedure")
    # Its own msgid: "Financial obligation" alone is the status (awaiting payment).
    OBLIGATION = "obligation", pgettext_lazy("payment purpose", "Financial obligation")


# States in which the applicant has to do something.
ACTION_NEEDED = {Status.DRAFT, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT}
# States in which the clock does not run.
PAUSED = {Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT}
FINAL = {Status.DISCARDED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
