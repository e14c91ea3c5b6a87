"""The applicant's side: the draft, its declaration and documents, submission,
withdrawal, supplements and messages (the evaluation: `evaluation`)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import files as file_checks
from dossiers.constants import Action, ActorRole, EventKind, FileKind, PaymentPurpose, Status
from dossiers.declaration import declaration_errors, prefilled, registry_mismatches, with_locked
from dossiers.errors import DossierError, DossierIncomplete
from dossiers.models import Dossier, DossierDocument, DossierMessage, StoredFile
from dossiers.outbox import emit
from dossiers.queues.search import name_key, name_words
from dossiers.services.actors import OFFICIAL_ROLES, acting_role
from dossiers.services.clock import DESK, PROCESSING, clock_after_supplement
from dossiers.services.log import UNREAD, dossier_log_record
from dossiers.services.payments import payment_create, version_fee
from dossiers.services.storage import files_guard, stored_file_create
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import TransitionNotAllowed, draft_role, ensure_allowed
from identity.permissions import has_role
from identity.selectors import applicant_facts
from procedures.constants import ChannelMethod, VersionStatus


def receiving_agencies_for(procedure):
    """Where a procedure can be filed: its executing and competent agencies that have a
    one-stop desk (within the city any receiving point may take a dossier)."""
    from procedures.models import Agency

    return Agency.objects.filter(
        Q(pk__in=procedure.executing_agencies.values("pk"))
        | Q(pk__in=procedure.competent_agencies.values("pk")),
        is_active=True,
        is_receiving_point=True,
    ).order_by("name")


def receiving_agency_ids(procedure) -> frozenset[int]:
    """`receiving_agencies_for`'s ids, cached under the catalogue generation (agencies
    and a procedure's agency links renew it, `procedures.signals`)."""
    from procedures.selectors import cached_with_catalogue_in_process

    return cached_with_catalogue_in_process(
        f"receiving-agencies:{procedure.pk}",
        lambda: frozenset(receiving_agencies_for(procedure).values_list("pk", flat=True)),
    )


def competent_agency_for(procedure, receiving):
    competent = list(procedure.competent_agencies.all())
    if not competent or receiving in competent:
        return receiving
    return competent[0]


@transaction.atomic
def dossier_create_draft(
    *,
    applicant,
    version,
    case,
    receiving_agency,
    business=None,
    actor=None,
    channel: str = ChannelMethod.ONLINE,
    form_data: dict | None = None,
    data: dict | None = None,
    submit: bool = False,
    submit_data: dict | None = None,
    created=None,
    log: list | None = None,
) -> Dossier:
    """-> DRAFT. Starts a dossier against a published version; logs the creation.

    Online, the applicant creates their own draft (`actor` None). A paper dossier
    handed over at the one-stop desk (`channel` direct or postal) is entered by a desk
    official of `receiving_agency` as `actor`, on the applicant's behalf; `data` adds to
    the creation's log row. An online draft starts with the declaration filled in from
    what the applicant's account knows (`declaration.prefilled`).

    `submit`: -> DRAFT -> SUBMITTED in the same transaction, by the same actor, as
    `dossier_submit` does it (`submit_data` adds to its log row): a filing that comes
    complete (the partner API) pays for neither a second lock nor a second read of
    what was just written. `created(dossier)` runs once the draft's rows are written
    and before the submission, for the caller's own rows that name the dossier: they
    stay ahead of the day's code counter, which the submission takes last. `log`, when
    given, receives the log rows written, in order (an answer that shows them need not
    read them back)."""
    if version.status != VersionStatus.PUBLISHED:
        if channel == ChannelMethod.ONLINE:
            raise DossierError(_("This procedure cannot be filed online at the moment."))
        raise DossierError(_("This procedure cannot be filed at the moment."))
    if case.version_id != version.pk:
        raise DossierError(_("Choose one of the cases of this procedure."))
    if actor is None or actor == applicant:
        actor, role = applicant, ActorRole.APPLICANT
        if channel != ChannelMethod.ONLINE:
            raise TransitionNotAllowed("an applicant files online")
    else:
        role = ActorRole.RECEPTIONIST
        if channel == ChannelMethod.ONLINE or not has_role(
            actor, receiving_agency.code, ActorRole.RECEPTIONIST
        ):
            raise TransitionNotAllowed(f"{actor} is not at the desk of {receiving_agency.code}")
    procedure = version.procedure
    if receiving_agency.pk not in receiving_agency_ids(procedure):
        raise DossierError(_("This agency does not receive dossiers for this procedure."))
    if business is not None and not business.memberships.filter(user=applicant).exists():
        raise PermissionDenied
    if role == ActorRole.APPLICANT:
        facts = applicant_facts(applicant, business)
        form_data = {**prefilled(version, facts), **(form_data or {})}
    dossier = Dossier.objects.create(
        version=version,
        case=case,
        channel=channel,
        applicant=applicant,
        applicant_name=(name := name_key(applicant.full_name)),
        applicant_name_words=name_words(name),
        business=business,
        receiving_agency=receiving_agency,
        competent_agency=competent_agency_for(procedure, receiving_agency),
        form_data=form_data or {},
    )
    entry = dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.CREATE,
        to_status=Status.DRAFT,
        data=data,
        tail=None,
    )
    if log is not None:
        log.append(entry)
    if created is not None:
        created(dossier)
    if not submit:
        return dossier
    # Nothing is attached yet; the log's last row is the one just written.
    return _submit(dossier, actor=actor, data=submit_data, attached=[], log_tail=entry, log=log)


def _lock_draft(dossier_id: int, actor) -> Dossier:
    dossier = dossier_lock(dossier_id)
    if dossier.status != Status.DRAFT:
        raise TransitionNotAllowed("only drafts can be edited")
    acting_role(dossier, actor, {draft_role(dossier)})
    return dossier


def _declaration_saved_key(dossier_id: int) -> str:
    return f"declaration-saved:{dossier_id}"


@transaction.atomic
def dossier_save_declaration(
    *, dossier_id: int, actor, data: dict, autosave_received_at: float | None = None
) -> Dossier:
    """DRAFT -> DRAFT. Stores the declaration as typed (drafts may be incomplete; the
    submission validates it). No log row: a draft is the applicant's own business.

    An autosave (`autosave_received_at` = when its request arrived, time.time()) that
    reaches the row lock after a deliberate save (Save, Review) made since it arrived
    carries older form contents: it is dropped, or it would overwrite the fuller
    declaration the citizen is about to submit.

    Online, the fields a verified applicant may not change keep the registry's values
    whatever was sent (`declaration.with_locked`)."""
    dossier = _lock_draft(dossier_id, actor)
    key = _declaration_saved_key(dossier.pk)
    if autosave_received_at is not None:
        saved = cache.get(key)
        if saved is not None and saved >= autosave_received_at:
            return dossier
    if draft_role(dossier) == ActorRole.APPLICANT:
        data = with_locked(dossier.version, data, applicant_facts(dossier.applicant))
    dossier.form_data = data
    dossier.updated_at = timezone.now()
    dossier.save(update_fields=["form_data", "updated_at"])
    if autosave_received_at is None:
        stamp = time.time()
        transaction.on_commit(lambda: cache.set(key, stamp, timeout=3600))
    return dossier


def _checked_documents(dossier: Dossier, required_document_id):
    if required_document_id is None:
        return None
    doc = dossier.case.documents.filter(pk=required_document_id).first()
    if doc is None:
        raise DossierError(_("This document is not part of the dossier."))
    return doc


def dossier_attach_file(
    *,
    dossier_id: int,
    actor,
    required_document_id=None,
    upload=None,
    stored_file_id=None,
    digitised: bool = False,
) -> DossierDocument:
    """DRAFT -> DRAFT. Adds an uploaded file, or one from the applicant's document
    store, for one required document. Raises DossierError on a bad file."""
    with files_guard(), transaction.atomic():
        dossier = _lock_draft(dossier_id, actor)
        doc = _checked_documents(dossier, required_document_id)
        count = dossier.documents.filter(required_document=doc).count()
        if count >= settings.DOSSIER_MAX_FILES_PER_DOCUMENT:
            raise DossierError(_("This document already has the most files allowed."))
        if stored_file_id is not None:
            stored = StoredFile.objects.filter(
                pk=stored_file_id, owner=actor, deleted_at__isnull=True
            ).first()
            if stored is None:
                raise DossierError(_("This file is not in your documents."))
            ext = file_checks.kind_of(stored.content_type)
            types = file_checks.accepted(doc.accepted_types if doc else None)
            if ext not in types:
                raise DossierError(_("This file is not of an accepted type for this document."))
        elif upload is not None:
            stored = stored_file_create(
                owner=actor if draft_role(dossier) == ActorRole.APPLICANT else dossier.applicant,
                upload=upload,
                types=doc.accepted_types if doc else None,
                max_mb=doc.max_size_mb if doc else None,
            )
        else:
            raise DossierError(_("Choose a file."))
        attached = DossierDocument.objects.create(
            dossier=dossier, required_document=doc, file=stored, digitised=digitised
        )
    return attached


@transaction.atomic
def dossier_detach_file(*, dossier_id: int, actor, document_id: int) -> None:
    """DRAFT -> DRAFT. Removes a file from a draft (the file stays in My documents)."""
    dossier = _lock_draft(dossier_id, actor)
    # Rows of a draft are not evidence yet; the log starts to matter at submission.
    dossier.documents.filter(pk=document_id).delete()


def submission_problems(dossier: Dossier, *, attached=None) -> dict:
    """What stops a draft from being submitted: declaration errors and missing documents
    (`attached`: the draft's documents, when the caller has read them)."""
    errors = declaration_errors(dossier.version, dossier.form_data)
    if attached is None:
        present = set(dossier.documents.values_list("required_document_id", flat=True))
    else:
        present = {x.required_document_id for x in attached}
    missing = [d for d in case_documents(dossier.case_id) if d.is_required and d.pk not in present]
    return {"declaration": errors, "missing": missing}


def case_documents(case_id: int) -> list:
    """The documents a case asks for, cached under the catalogue generation: a version's
    content is frozen once published (procedures.models.FrozenVersionContent) and
    every write to it renews the generation (procedures.signals)."""
    from procedures.models import RequiredDocument
    from procedures.selectors import cached_with_catalogue_in_process

    return cached_with_catalogue_in_process(
        f"case-documents:{case_id}", lambda: list(RequiredDocument.objects.filter(case_id=case_id))
    )


def dossier_code_next(agency, moment) -> str:
    """`<agency code>-<yymmdd>-<NNNN>`: the counter row is upserted and stays locked
    until this transaction ends; a rollback (or a process killed before the commit)
    returns the number, so codes have no gap. Every submission to the agency that day
    waits on the row: take it last, just before the commit (`dossier_submit`)."""
    day = timezone.localtime(moment).date()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dossiers_dossiercodecounter (agency_id, day, last) VALUES (%s, %s, 1)
            ON CONFLICT (agency_id, day)
            DO UPDATE SET last = dossiers_dossiercodecounter.last + 1
            RETURNING last
            """,
            [agency.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


@transaction.atomic
def dossier_submit(*, dossier_id: int, actor, data: dict | None = None) -> Dossier:
    """DRAFT -> SUBMITTED. Validates the declaration and the required documents, gives
    the dossier its code (last, so that the agency's day counter is held for the
    dossier's UPDATE and the commit only: call it last in the caller's transaction
    too). Submitting twice is refused by the state check, so a double
    click or a resent form creates nothing more. A paper dossier entered at the desk is
    submitted by the desk official (`draft_role`); `data` adds to the log row.

    Online, the locked fields take the registry's values again (a draft saved before
    the account was verified). Declared values that still contradict the registry's
    facts of a verified applicant do not stop the submission: the log row keeps them
    (`registry_mismatches`: field, declared, registry) and the workbench flags them."""
    dossier = dossier_lock(dossier_id)
    return _submit(
        dossier, actor=actor, data=data, attached=list(dossier.documents.select_related("file"))
    )


def _submit(dossier: Dossier, *, actor, data, attached, log_tail=UNREAD, log=None) -> Dossier:
    """`dossier_submit` on the locked dossier, whose attached files are `attached`."""
    role = acting_role(dossier, actor, {draft_role(dossier)})
    ensure_allowed(dossier.status, Action.SUBMIT, role)
    # The applicant submitting is the account the request signed in with: read already.
    applicant = actor if actor is not None and actor.pk == dossier.applicant_id else None
    facts = applicant_facts(applicant or dossier.applicant)
    if role == ActorRole.APPLICANT:
        dossier.form_data = with_locked(dossier.version, dossier.form_data, facts)
    mismatches = registry_mismatches(dossier.version, dossier.form_data, facts)
    problems = submission_problems(dossier, attached=attached)
    if problems["declaration"] or problems["missing"]:
        raise DossierIncomplete(_("The dossier is not complete yet."), problems)

    fee = version_fee(dossier)
    documents = [
        {"name": x.file.name, "sha256": x.file.sha256}
        | ({"digitised": x.digitised} if dossier.channel != ChannelMethod.ONLINE else {})
        for x in attached
    ]
    extra = dict(data or {})
    if fee:
        # The fee of the version filed under: payable online from now on; it does not
        # hold the dossier up (the agency may still require it before the result).
        payment_create(dossier=dossier, purpose=PaymentPurpose.FEE, amount=fee)

    def change(d, now, data):
        d.submitted_at = now
        data.update(extra)
        data["documents"] = documents
        if fee:
            data["fee"] = fee
        if mismatches:
            data["registry_mismatches"] = mismatches

    def code(d):
        # From the code on, every submission to the agency that day waits for this
        # one: it is the last statement but the dossier's UPDATE before the commit (the
        # log row, written before, names no code; the dossier row is the record of it).
        d.code = dossier_code_next(d.receiving_agency, d.submitted_at)

    return dossier_transition(
        dossier_id=dossier.pk,
        action=Action.SUBMIT,
        actor=actor,
        role=role,
        change=change,
        last=code,
        locked=dossier,
        log_tail=log_tail,
        log=log,
    )


@transaction.atomic
def dossier_discard(*, dossier_id: int, actor) -> Dossier:
    """DRAFT -> DISCARDED."""
    return dossier_transition(dossier_id=dossier_id, action=Action.DISCARD, actor=actor)


@transaction.atomic
def dossier_withdraw(*, dossier_id: int, actor, reason: str) -> Dossier:
    """{submitted .. awaiting payment} -> WITHDRAWN, with the applicant's reason."""
    if not reason.strip():
        raise DossierError(_("Give a reason for withdrawing the dossier."))

    def change(d, now, data):
        d.finished_at, d.paused_at = now, None

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.WITHDRAW,
        actor=actor,
        note=reason.strip(),
        change=change,
    )


def dossier_supplement(
    *, dossier_id: int, actor, note: str = "", uploads=(), digitised: bool = False
) -> Dossier:
    """The answer to a supplement request, with the requested files: the applicant's
    online, or for a paper dossier also the desk's (`workflow.draft_role`; the files
    are then stored under the applicant's name, `digitised` when scanned from paper).
    DESK_SUPPLEMENT -> SUBMITTED: back to the desk, which receives it (the clock has
    not started). SUPPLEMENT_REQUESTED -> PROCESSING: the clock restarts or resumes
    (`clock_after_supplement`)."""
    with files_guard(), transaction.atomic():
        dossier = dossier_lock(dossier_id)
        role = acting_role(dossier, actor, {ActorRole.APPLICANT, draft_role(dossier)})
        ensure_allowed(dossier.status, Action.SUPPLEMENT, role)
        if not uploads and not note.strip():
            raise DossierError(_("Attach the requested documents or write a note."))
        owner = actor if role == ActorRole.APPLICANT else dossier.applicant
        added = []
        for upload in uploads:
            stored = stored_file_create(owner=owner, upload=upload)
            DossierDocument.objects.create(
                dossier=dossier, file=stored, digitised=digitised and role != ActorRole.APPLICANT
            )
            added.append({"name": stored.name, "sha256": stored.sha256})
        at_desk = dossier.status == Status.DESK_SUPPLEMENT
        result = dossier_transition(
            dossier_id=dossier_id,
            action=Action.SUPPLEMENT,
            actor=actor,
            role=role,
            note=note.strip(),
            data={"documents": added, "phase": DESK if at_desk else PROCESSING},
            change=None if at_desk else clock_after_supplement,
        )
    return result


def dossier_message_send(*, dossier_id: int, actor, body: str, upload=None) -> DossierMessage:
    with files_guard(), transaction.atomic():
        return _message_send(dossier_id=dossier_id, actor=actor, body=body, upload=upload)


def _message_send(*, dossier_id: int, actor, body: str, upload=None) -> DossierMessage:
    """Any state after submission -> unchanged. A message between applicant and agency,
    in the log too (public)."""
    dossier = dossier_lock(dossier_id)
    if dossier.status in (Status.DRAFT, Status.DISCARDED):
        raise TransitionNotAllowed("no messages on drafts")
    role = acting_role(dossier, actor, {ActorRole.APPLICANT, *OFFICIAL_ROLES})
    if not body.strip():
        raise DossierError(_("Write a message."))
    attachment = (
        stored_file_create(
            owner=dossier.applicant,
            upload=upload,
            kind=FileKind.OFFICIAL if role != ActorRole.APPLICANT else FileKind.UPLOAD,
        )
        if upload
        else None
    )
    message = DossierMessage.objects.create(
        dossier=dossier,
        author=actor,
        author_name=str(actor),
        from_agency=role != ActorRole.APPLICANT,
        body=body.strip(),
        attachment=attachment,
    )
    dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.MESSAGE,
        note=body.strip(),
        data={"message": message.pk},
    )
    emit(
        EventKind.MESSAGE_SENT,
        dossier=dossier,
        actor=actor,
        data={"message": message.pk, "from_agency": message.from_agency},
    )
    return message
