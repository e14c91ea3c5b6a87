"""Every write on feedback: check the state against `constants.TRANSITIONS` and the
actor's role under the row lock, change the item, write ONE history row and ONE outbox
event in the same transaction (STYLE R3). Notifications go out after commit, from the
outbox (`dossiers.outbox`), like the dossiers' own.

Who does what (identity.permissions answers the roles):
- any signed-in person sends feedback (about a dossier of theirs, a procedure or an
  agency) and reads only their own items;
- a leader of the item's agency assigns it to a specialist or leader of that agency,
  and may close it with a reason;
- the assigned official answers it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import services as dossier_services
from dossiers.constants import EventKind
from dossiers.constants import Status as DossierStatus
from dossiers.outbox import emit
from feedback.constants import (
    ANSWERING_ROLES,
    MANAGING_ROLES,
    TRANSITIONS,
    Action,
    Kind,
    Subject,
)
from feedback.errors import FeedbackError, FeedbackNotAllowed
from feedback.models import Feedback, FeedbackAttachment, FeedbackLog
from feedback.redaction import redact
from identity.permissions import has_role
from procedures.calendar import WorkingCalendar

CODE_PREFIX = "PA"
TITLE_MAX = 200
TEXT_MAX = 8000
MAX_FILES = 5

EVENTS = {
    Action.SEND: EventKind.FEEDBACK_RECEIVED,
    Action.ASSIGN: EventKind.FEEDBACK_ASSIGNED,
    Action.ANSWER: EventKind.FEEDBACK_ANSWERED,
    Action.CLOSE: EventKind.FEEDBACK_CLOSED,
}


def answer_days() -> int:
    """Working days the agency has to answer (settings.FEEDBACK_ANSWER_DAYS)."""
    return int(getattr(settings, "FEEDBACK_ANSWER_DAYS", 10))


def feedback_due_at(received_at):
    """Close of office on the FEEDBACK_ANSWER_DAYS-th working day after receipt; sent
    after the afternoon cut-off or on a day off, the count starts the next working day
    (the dossiers' rule, procedures.calendar)."""
    return WorkingCalendar.load().due_at(received_at, answer_days())


def feedback_code_next(moment) -> str:
    """`PA-<yymmdd>-<NNNN>`, city-wide per day: the counter row is upserted and stays
    locked until this transaction ends, so two senders never get the same number and a
    rollback gives the number back. Past 9999 a day the number simply grows a digit."""
    day = timezone.localtime(moment).date()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO feedback_feedbackcodecounter (day, last) VALUES (%s, 1)
            ON CONFLICT (day) DO UPDATE SET last = feedback_feedbackcodecounter.last + 1
            RETURNING last
            """,
            [day],
        )
        (number,) = cursor.fetchone()
    return f"{CODE_PREFIX}-{day:%y%m%d}-{number:04d}"


def _record(item: Feedback, *, actor, action: str, from_status: str, note: str = "", data=None):
    """The history row and the outbox event of one step (the caller's transaction)."""
    FeedbackLog.objects.create(
        feedback=item,
        actor=actor,
        actor_name=str(actor)[:200] if actor is not None else "",
        action=action,
        from_status=from_status,
        to_status=item.status,
        note=note,
        data=data or {},
    )
    emit(
        EVENTS[action],
        actor=actor,
        data={
            "feedback": item.pk,
            "ref": str(item.ref),
            "code": item.code,
            "title": item.title,
            "agency_code": item.agency.code,
            "agency": item.agency.name,
            "sender": item.sender_id,
            "assignee": item.assignee_id,
        },
    )


def _target(item: Feedback, action: str) -> str:
    target = TRANSITIONS.get((item.status, action))
    if target is None:
        raise FeedbackNotAllowed(_("This feedback can no longer be changed this way."))
    return target


def _lock(feedback_id: int) -> Feedback:
    return (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=feedback_id)
    )


def _clean_text(value: str, *, limit: int, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise FeedbackError(empty)
    if len(value) > limit:
        raise FeedbackError(
            _("The text is too long (at most %(max)s characters).") % {"max": limit}
        )
    return value


def _agency_for(*, subject, dossier, procedure, agency, sender):
    from procedures.models import Agency

    if subject == Subject.DOSSIER:
        if dossier is None or not dossier_services.is_party(dossier, sender):
            raise FeedbackError(_("Choose one of your dossiers."))
        if dossier.status in (DossierStatus.DRAFT, DossierStatus.DISCARDED):
            raise FeedbackError(_("A draft has not reached an agency yet."))
        return dossier.competent_agency
    if subject == Subject.PROCEDURE:
        if procedure is None:
            raise FeedbackError(_("Choose a procedure."))
        competent = list(procedure.competent_agencies.filter(is_active=True))
        if agency is None:
            if len(competent) == 1:
                return competent[0]
            raise FeedbackError(_("Choose the agency your feedback is for."))
        if competent and agency not in competent:
            raise FeedbackError(_("This agency does not settle this procedure."))
        return agency
    if subject == Subject.AGENCY:
        if agency is None or not Agency.objects.filter(pk=agency.pk, is_active=True).exists():
            raise FeedbackError(_("Choose the agency your feedback is for."))
        return agency
    raise FeedbackError(_("Choose what your feedback is about."))


def feedback_send(
    *,
    sender,
    subject: str,
    title: str,
    text: str,
    kind: str = Kind.FEEDBACK,
    dossier=None,
    procedure=None,
    agency=None,
    public_consent: bool = False,
    uploads=(),
) -> Feedback:
    """(nothing) -> RECEIVED. Checks the subject (a dossier of the sender's, a
    procedure, an agency), the text and every file (type in the bytes, size, virus
    scan: `dossiers.services.stored_file_create`), gives the code and the deadline,
    writes the history row and the `feedback_received` event. A refused file or field
    writes nothing: no row, no file left on storage."""
    if sender is None or not sender.is_authenticated:
        raise FeedbackNotAllowed(_("Sign in to send feedback."))
    if kind not in Kind.values:
        raise FeedbackError(_("Choose feedback or recommendation."))
    title = _clean_text(title, limit=TITLE_MAX, empty=_("Write a short title."))
    text = _clean_text(text, limit=TEXT_MAX, empty=_("Write your feedback."))
    uploads = [u for u in uploads or () if u]
    if len(uploads) > MAX_FILES:
        raise FeedbackError(_("Attach at most %(max)s files.") % {"max": MAX_FILES})
    answering = _agency_for(
        subject=subject, dossier=dossier, procedure=procedure, agency=agency, sender=sender
    )
    if subject == Subject.DOSSIER:
        procedure = dossier.version.procedure
    elif subject == Subject.AGENCY:
        procedure = None
    with dossier_services.files_guard(), transaction.atomic():
        now = timezone.now()
        item = Feedback.objects.create(
            code=feedback_code_next(now),
            kind=kind,
            subject=subject,
            dossier=dossier if subject == Subject.DOSSIER else None,
            procedure=procedure,
            agency=answering,
            title=title,
            text=text,
            sender=sender,
            created_at=now,
            due_at=feedback_due_at(now),
            public_consent=bool(public_consent),
        )
        for upload in uploads:
            stored = dossier_services.stored_file_create(owner=sender, upload=upload)
            FeedbackAttachment.objects.create(feedback=item, file=stored)
        _record(item, actor=sender, action=Action.SEND, from_status="")
    return item


@transaction.atomic
def feedback_assign(*, feedback_id: int, actor, assignee) -> Feedback:
    """RECEIVED or ASSIGNED -> ASSIGNED. A leader of the item's agency gives it to a
    specialist or leader of the same agency; the `feedback_assigned` event tells them."""
    item = _lock(feedback_id)
    target = _target(item, Action.ASSIGN)
    if not has_role(actor, item.agency, MANAGING_ROLES):
        raise FeedbackNotAllowed(_("Only a leader of the agency assigns feedback."))
    if assignee is None or not has_role(assignee, item.agency, ANSWERING_ROLES):
        raise FeedbackError(_("Choose a specialist or leader of the agency."))
    previous, before = item.status, item.assignee_id
    item.status, item.assignee = target, assignee
    item.save(update_fields=["status", "assignee"])
    _record(
        item,
        actor=actor,
        action=Action.ASSIGN,
        from_status=previous,
        note=str(assignee),
        data={"assignee": assignee.pk, "previous": before},
    )
    return item


@transaction.atomic
def feedback_answer(
    *, feedback_id: int, actor, answer: str, public_question: str | None = None
) -> Feedback:
    """ASSIGNED -> ANSWERED, by the assigned official only. Records the answer time (on
    time when not after `due_at`); with the sender's consent, also the published
    question (the official's edit, or the sender's text) and answer, both cleaned of
    personal data (`feedback.redaction`). The `feedback_answered` event tells the sender."""
    item = _lock(feedback_id)
    target = _target(item, Action.ANSWER)
    if (
        actor is None
        or item.assignee_id != actor.pk
        or not has_role(actor, item.agency, ANSWERING_ROLES)
    ):
        raise FeedbackNotAllowed(_("Only the official assigned to this feedback answers it."))
    answer = _clean_text(answer, limit=TEXT_MAX, empty=_("Write the answer."))
    previous = item.status
    item.status, item.answer, item.answered_at = target, answer, timezone.now()
    fields = ["status", "answer", "answered_at"]
    if item.public_consent:
        names = (item.sender.full_name, str(item.sender))
        question = (public_question or "").strip() or item.text
        item.public_question = redact(question[:TEXT_MAX], names=names)
        item.public_answer = redact(answer, names=names)
        fields += ["public_question", "public_answer"]
    item.save(update_fields=fields)
    _record(
        item,
        actor=actor,
        action=Action.ANSWER,
        from_status=previous,
        data={"on_time": item.answered_at <= item.due_at},
    )
    return item


@transaction.atomic
def feedback_close(*, feedback_id: int, actor, reason: str) -> Feedback:
    """RECEIVED or ASSIGNED -> CLOSED without an answer (outside the agency's remit, a
    duplicate), by a leader of the agency, with the reason the sender reads; the
    `feedback_closed` event tells them."""
    item = _lock(feedback_id)
    target = _target(item, Action.CLOSE)
    if not has_role(actor, item.agency, MANAGING_ROLES):
        raise FeedbackNotAllowed(_("Only a leader of the agency closes feedback."))
    reason = _clean_text(reason, limit=TEXT_MAX, empty=_("Write the reason for closing."))
    previous = item.status
    item.status, item.close_reason, item.closed_at = target, reason, timezone.now()
    item.save(update_fields=["status", "close_reason", "closed_at"])
    _record(item, actor=actor, action=Action.CLOSE, from_status=previous, note=reason)
    return item
