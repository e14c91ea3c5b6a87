"""Choices of the dossiers app. Identifiers in English; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The rate-limit scope of the public status lookup: the page and the JSON API count
# together, so alternating between them gives no extra look-ups.
LOOKUP_RATE_SCOPE = "dossier-lookup"


class Status(models.TextChoices):
    """The national status list (newly registered, received, not received, in progress,
    supplement requested, financial obligation, withdrawn, stopped, finished, returned)."""

    DRAFT = "draft", _("Draft")
    DISCARDED = "discarded", _("Discarded")
    SUBMITTED = "submitted", _("Submitted")
    # Sent back by the desk before receipt (form 02): the answer returns to the desk.
    DESK_SUPPLEMENT = "desk_supplement", _("Supplement requested at receipt")
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


# One colour family per outcome, shown with the status's words (never colour alone):
# a draft, in progress, waiting for the applicant, done, ended without a result.
STATUS_TONES = {
    Status.DRAFT: "draft",
    Status.DISCARDED: "ended",
    Status.SUBMITTED: "progress",
    Status.DESK_SUPPLEMENT: "waiting",
    Status.RECEIVED: "progress",
    Status.REFUSED: "ended",
    Status.WITHDRAWN: "ended",
    Status.PROCESSING: "progress",
    Status.AWAITING_APPROVAL: "progress",
    Status.SUPPLEMENT_REQUESTED: "waiting",
    Status.AWAITING_PAYMENT: "waiting",
    Status.STOPPED: "ended",
    Status.RESULT_READY: "done",
    Status.RETURNED: "done",
}


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
    # Events on an open dossier that keep its state (self-edges of the workflow table).
    APOLOGISE = "apologise", _("Apology and new appointment")
    RECORD_RESULT = "record_result", _("Signed result recorded")
    # Events that do not change the state.
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Internal note")
    PAYMENT_RECEIVED = "payment_received", _("Fee paid")
    # Written by the deadline clock job (dossiers.deadlines), once per crossing.
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    CONSULT = "consult", _("Another agency consulted")
    ANSWER = "answer", _("Opinion given")
    CONSULT_CLOSE = "consult_close", _("Consultation closed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")
    DOCUMENT_SIGNED = "document_signed", _("Document digitally signed")
    # Written by the worker that rendered an issued form (dossiers.documents.write).
    DOCUMENT_WRITTEN = "document_written", _("Standard document file written")


# What an official's button says: the action as a verb. The log keeps the past tense
# (Action's labels), because a log row tells what happened.
ACTION_VERBS = {
    Action.RECEIVE: _("Receive the dossier"),
    Action.REFUSE: _("Refuse to receive"),
    Action.ASSIGN: _("Assign for processing"),
    Action.FORWARD: _("Hand over to another official"),
    Action.RETURN: _("Send back for rework"),
    Action.PROPOSE: _("Propose the result"),
    Action.APPROVE: _("Approve the result"),
    Action.REQUEST_SUPPLEMENT: _("Request a supplement"),
    Action.SUPPLEMENT: _("Record the supplement"),
    Action.REQUIRE_PAYMENT: _("Require the financial obligation"),
    Action.STOP: _("Stop processing"),
    Action.RETURN_RESULT: _("Return the result"),
    Action.APOLOGISE: _("Apologise and set a new appointment"),
    Action.RECORD_RESULT: _("Record the signed result"),
    Action.MESSAGE: _("Send a message to the applicant"),
    Action.NOTE: _("Add an internal note"),
}


def action_verb(action: str) -> str:
    """The button's words for `action` (the log's words where no verb is set)."""
    return str(ACTION_VERBS.get(action) or Action(action).label)


class ActorRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RECEPTIONIST = "receptionist", _("One-stop desk official")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    SYSTEM = "system", _("System")


class DeadlineState(models.TextChoices):
    """Where a running dossier stands against its appointment date, as last recorded
    by the clock job; it is what makes the job's log row and event happen once."""

    ON_TRACK = "", _("On track")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Visible to the applicant")
    INTERNAL = "internal", _("Internal")


class FileKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded by me")
    RESULT = "result", _("Result of a dossier")
    OFFICIAL = "official", _("From the agency")


class ReturnMode(models.TextChoices):
    """How the result reached the applicant (`legal.RETURN`)."""

    IN_PERSON = "in_person", _("In person at the desk")
    ONLINE = "online", _("Online")
    POST = "post", _("By post")


def return_mode_for_channel(channel: str) -> str:
    """The return a dossier filed through `channel` expects (in person when unknown)."""
    return {"online": ReturnMode.ONLINE, "postal": ReturnMode.POST}.get(
        channel, ReturnMode.IN_PERSON
    ).value


class StandardForm(models.TextChoices):
    """The standard one-stop documents (`dossiers.legal.FORMS`; their printed titles
    are `legal.FORM_TITLES`)."""

    RECEIPT = "01", _("Receipt and appointment slip")
    SUPPLEMENT = "02", _("Request to supplement and complete the dossier")
    REFUSAL = "03", _("Refusal to receive and settle the dossier")
    APOLOGY = "04", _("Apology and request to extend the settlement time")
    STOP = "05", _("Notice of stopping the settlement of the dossier")
    CONTROL = "06", _("Process control sheet")
    REGISTER = "07", _("Dossier register")


class ConsultationStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the opinion")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed without an opinion")


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
ACTION_NEEDED = {
    Status.DRAFT,
    Status.DESK_SUPPLEMENT,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
}
# Filed, and waiting for the applicant: the clock does not run (at the desk it has not
# started yet).
PAUSED = {Status.DESK_SUPPLEMENT, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT}
# Where the applicant answers a supplement request.
SUPPLEMENT_STATES = (Status.DESK_SUPPLEMENT, Status.SUPPLEMENT_REQUESTED)
# Filed and not finished: what the back-office queues and their partial indexes work on.
# A list, in workflow order, so the partial indexes' conditions stay stable in migrations.
OPEN_STATES = [
    Status.SUBMITTED,
    Status.DESK_SUPPLEMENT,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
    Status.RESULT_READY,
]
# The appointment clock runs in these states: they can be due soon or overdue. In
# workflow order: the queue tally's trigger (migration 0009) lists them in this order.
RUNNING = (Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY)
FINAL = {Status.DISCARDED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}


class EventKind(models.TextChoices):
    """What an outbox event announces (past tense, STYLE R11). The outbox contract
    shared with the notifications: `dossiers.outbox.emit(kind, ...)`."""

    SUBMITTED = "submitted", _("Dossier submitted")
    RECEIVED = "received", _("Dossier received")
    REFUSED = "refused", _("Dossier not received")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    SUPPLEMENTED = "supplemented", _("Supplement provided")
    PAYMENT_REQUIRED = "payment_required", _("Financial obligation required")
    PAID = "paid", _("Paid")
    ASSIGNED = "assigned", _("Assigned")
    FORWARDED = "forwarded", _("Forwarded")
    CONSULTED = "consulted", _("Another agency consulted")
    CONSULTATION_ANSWERED = "consultation_answered", _("Consultation answered")
    PROPOSED = "proposed", _("Result proposed")
    SENT_BACK = "sent_back", _("Sent back")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    STOPPED = "stopped", _("Processing stopped")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    APOLOGY_ISSUED = "apology_issued", _("Apology issued")
    MESSAGE_SENT = "message_sent", _("Message sent")
    EXPORT_READY = "export_ready", _("Export ready")
    REMINDER = "reminder", _("Reminder")
    # Citizens' feedback (feedback.services): no dossier on the event; its `data`
    # names the item (`feedback`, `ref`, `code`), the sender and the agency.
    FEEDBACK_RECEIVED = "feedback_received", _("Feedback received")
    FEEDBACK_ASSIGNED = "feedback_assigned", _("Feedback assigned")
    FEEDBACK_ANSWERED = "feedback_answered", _("Feedback answered")
    FEEDBACK_CLOSED = "feedback_closed", _("Feedback closed")


# The event each workflow action emits. Discarding a draft and rating concern nobody
# but the applicant, who did it, so they emit nothing.
ACTION_EVENTS = {
    Action.SUBMIT: EventKind.SUBMITTED,
    Action.RECEIVE: EventKind.RECEIVED,
    Action.REFUSE: EventKind.REFUSED,
    Action.WITHDRAW: EventKind.WITHDRAWN,
    Action.ASSIGN: EventKind.ASSIGNED,
    Action.FORWARD: EventKind.FORWARDED,
    Action.RETURN: EventKind.SENT_BACK,
    Action.PROPOSE: EventKind.PROPOSED,
    Action.APPROVE: EventKind.RESULT_READY,
    Action.REQUEST_SUPPLEMENT: EventKind.SUPPLEMENT_REQUESTED,
    Action.SUPPLEMENT: EventKind.SUPPLEMENTED,
    Action.REQUIRE_PAYMENT: EventKind.PAYMENT_REQUIRED,
    Action.PAY: EventKind.PAID,
    Action.STOP: EventKind.STOPPED,
    Action.RETURN_RESULT: EventKind.RETURNED,
    # Form 04 with the new appointment: the applicant must hear of it.
    Action.APOLOGISE: EventKind.APOLOGY_ISSUED,
}


class EvaluationMoment(models.TextChoices):
    """When the applicant evaluates the service (`dossiers.evaluation`): once per
    dossier and moment, from the moment the step happened."""

    RECEIPT = "receipt", _("At receipt")
    SUPPLEMENT = "supplement", _("At the supplement request")
    REFUSAL = "refusal", _("At the refusal")
    RESULT = "result", _("At the result")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
