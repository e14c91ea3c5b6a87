"""Choices of the feedback app. Identifiers in English; labels are translated.

Feedback and recommendations (phản ánh, kiến nghị) of people and organisations about
administrative procedures and the agencies that settle them: Decree 20/2008/NĐ-CP on
receiving and handling feedback and recommendations on administrative regulations
(amended by Decree 92/2017/NĐ-CP). A complaint in the legal sense (khiếu nại, Law on
Complaints 2011) or a denunciation (tố cáo) follows its own procedure and is not this.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from identity.constants import OfficialRole

# The rate-limit scope of the public list of answers (its agency filter and pages).
PUBLIC_RATE_SCOPE = "feedback-public"


class Kind(models.TextChoices):
    FEEDBACK = "feedback", _("Feedback")
    RECOMMENDATION = "recommendation", _("Recommendation")


class Subject(models.TextChoices):
    """What the feedback is about; it decides the agency that answers."""

    DOSSIER = "dossier", _("One of my dossiers")
    PROCEDURE = "procedure", _("An administrative procedure")
    AGENCY = "agency", _("An agency")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed without an answer")


class Action(models.TextChoices):
    """What a history row records."""

    SEND = "send", _("Sent")
    ASSIGN = "assign", _("Assigned")
    ANSWER = "answer", _("Answered")
    CLOSE = "close", _("Closed")


# Waiting for the agency: the deadline runs, and past it the item is overdue.
OPEN = (Status.RECEIVED, Status.ASSIGNED)

# The one transition table: (state, action) -> target. The roles that may take each
# edge are checked by the services (`feedback.services`), beside the row lock.
TRANSITIONS = {
    (Status.RECEIVED, Action.ASSIGN): Status.ASSIGNED,
    # A leader may hand an item to someone else while it waits for its answer.
    (Status.ASSIGNED, Action.ASSIGN): Status.ASSIGNED,
    (Status.ASSIGNED, Action.ANSWER): Status.ANSWERED,
    # Out of the agency's remit, a duplicate, or nothing to answer: closed with a reason
    # the sender reads.
    (Status.RECEIVED, Action.CLOSE): Status.CLOSED,
    (Status.ASSIGNED, Action.CLOSE): Status.CLOSED,
}

# Who may be given an item to answer, and who hands items out and closes them.
ANSWERING_ROLES = (OfficialRole.SPECIALIST, OfficialRole.LEADER)
MANAGING_ROLES = (OfficialRole.LEADER,)
