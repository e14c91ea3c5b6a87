"""Counter intake (issue 6): the one-stop desk files a paper dossier for a walk-in
applicant and receives it in the same step.

`counter_intake` is ONE transaction: find or create the applicant's account, create the
dossier (channel "direct"), store the declaration, store the scanned documents (each
marked as digitised from the paper original), submit and receive. Anything wrong (an
ID number unknown to the population registry, a bad file, a procedure this desk does
not receive, an incomplete declaration) raises before commit: nothing is written, and
files already put on storage are deleted again (`services._files_guard`).

The log reads as what happened at the desk: creation, submission and receipt are each
one row by the receptionist, with the applicant's account in `data["on_behalf_of"]`.
The workflow table gives SUBMIT to the applicant only (online filing, Decree 45/2020
art. 11); a direct filing is handed over in person at the one-stop desk, which enters
it on the applicant's behalf (Decree 61/2018 art. 15 cl. 1; Decree 118/2025 on
receipt), so the desk's role is checked here and the edge's target state is used as is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import documents as standard_forms
from dossiers import services
from dossiers.constants import Action, ActorRole, PaymentPurpose, Status
from dossiers.declaration import declaration_errors
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierDocument
from dossiers.services import DossierIncomplete
from dossiers.workflow import TransitionNotAllowed, edge_for, ensure_allowed
from identity import registry as registry_module
from identity.constants import AccountEventKind, OfficialRole, VerificationLevel
from identity.permissions import has_role
from procedures.constants import ChannelMethod, VersionStatus


class ApplicantNotFound(DossierError):
    """The registry does not know this person (or cannot be asked now)."""


@dataclasses.dataclass
class ScannedDocument:
    """One paper component scanned at the desk (`required_document_id` None = extra)."""

    upload: object
    required_document_id: int | None = None
    digitised: bool = True


def _account_by_id(id_number: str):
    return get_user_model().objects.filter(id_number=id_number).first()


def applicant_for_counter(
    *, id_number: str, full_name: str, birth_date: dt.date, actor, phone: str = "", registry=None
):
    """The account of the person standing at the desk, found by personal ID number; when
    there is none, a new level-1 account from the population registry's record (name and
    birth date as the registry has them). The new account has no usable password: the
    person claims it later through password reset, by SMS to `phone` when the desk
    noted one (unverified, like a phone typed at sign-up). Returns (user, created)."""
    User = get_user_model()
    user = _account_by_id(id_number)
    if user is not None:
        return user, False
    registry = registry or registry_module.get_registry()
    result = registry.verify(id_number, full_name, birth_date)
    if isinstance(result, registry_module.Unavailable):
        raise ApplicantNotFound(
            _("The population registry cannot be reached now. Try again in a moment.")
        )
    if isinstance(result, registry_module.Mismatch):
        if "id_number" in result.fields:
            raise ApplicantNotFound(
                _(
                    "No person with this ID number is in the population registry. "
                    "Check the number on the ID card."
                )
            )
        raise ApplicantNotFound(
            _(
                "The name or date of birth does not match the population registry for "
                "this ID number. Check them against the ID card."
            )
        )
    from identity.services import _new_username, account_event_record

    if phone and User.objects.filter(phone=phone).exists():
        raise ApplicantNotFound(
            _("This phone number belongs to another account. Leave it empty or use another.")
        )
    user = User(
        username=_new_username("cd"),
        id_number=result.id_number,
        full_name=result.full_name,
        birth_date=result.birth_date,
        sex=result.sex,
        permanent_address=result.permanent_address,
        phone=phone,
        # Level 1: the desk saw a card; only the person's own registry check (or single
        # sign-on) raises the level, as for accounts created online.
        verification_level=VerificationLevel.SELF_DECLARED,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():  # a savepoint: the intake goes on if it fails
            user.save()
    except IntegrityError:
        # Another desk created this person's account a moment ago (same ID number).
        existing = _account_by_id(id_number)
        if existing is None:
            raise ApplicantNotFound(
                _("This phone number belongs to another account. Leave it empty or use another.")
            ) from None
        return existing, False
    account_event_record(
        user=user, kind=AccountEventKind.SIGNED_UP, actor=actor, data={"channel": "counter"}
    )
    return user, True


def counter_intake(
    *,
    actor,
    receiving_agency,
    case,
    id_number: str,
    full_name: str,
    birth_date: dt.date,
    declaration: dict,
    documents: list[ScannedDocument],
    note: str = "",
    phone: str = "",
    registry=None,
) -> Dossier:
    """(nothing) -> RECEIVED, in one transaction; see the module docstring. Raises
    TransitionNotAllowed when `actor` is not a desk official of `receiving_agency`,
    DossierError (ApplicantNotFound, DossierIncomplete) on bad input."""
    with services._files_guard(), transaction.atomic():
        if not has_role(actor, receiving_agency.code, OfficialRole.RECEPTIONIST):
            raise TransitionNotAllowed(f"{actor} is not at the desk of {receiving_agency.code}")
        version = case.version
        procedure = version.procedure
        if version.status != VersionStatus.PUBLISHED:
            raise DossierError(_("This procedure cannot be filed at the moment."))
        if not services.receiving_agencies_for(procedure).filter(pk=receiving_agency.pk).exists():
            raise DossierError(_("This agency does not receive dossiers for this procedure."))
        applicant, created = applicant_for_counter(
            id_number=id_number,
            full_name=full_name,
            birth_date=birth_date,
            actor=actor,
            phone=phone,
            registry=registry,
        )
        now = timezone.now()
        dossier = Dossier.objects.create(
            version=version,
            case=case,
            channel=ChannelMethod.DIRECT,
            applicant=applicant,
            receiving_agency=receiving_agency,
            competent_agency=services._competent_for(procedure, receiving_agency),
            form_data=declaration,
            created_at=now,
            updated_at=now,
        )
        on_behalf = {"on_behalf_of": applicant.pk, "channel": ChannelMethod.DIRECT}
        services.dossier_log_record(
            dossier=dossier,
            actor=actor,
            role=ActorRole.RECEPTIONIST,
            action=Action.CREATE,
            to_status=Status.DRAFT,
            data={**on_behalf, "account_created": created},
        )
        allowed_docs = {d.pk: d for d in case.documents.all()}
        for scanned in documents:
            doc = None
            if scanned.required_document_id is not None:
                doc = allowed_docs.get(scanned.required_document_id)
                if doc is None:
                    raise DossierError(_("This document is not part of the dossier."))
            stored = services._store(
                owner=applicant,
                upload=scanned.upload,
                types=doc.accepted_types if doc else None,
                max_mb=doc.max_size_mb if doc else None,
            )
            DossierDocument.objects.create(
                dossier=dossier,
                required_document=doc,
                file=stored,
                digitised=scanned.digitised,
            )
        errors = declaration_errors(version, declaration)
        present = {s.required_document_id for s in documents}
        missing = [d for d in allowed_docs.values() if d.is_required and d.pk not in present]
        if errors or missing:
            raise DossierIncomplete(
                _("The dossier is not complete yet."), {"declaration": errors, "missing": missing}
            )

        # Submission, as the applicant's online one would be: the code and the documents.
        submitted = edge_for(Status.DRAFT, Action.SUBMIT).target
        dossier.code = services._next_code(receiving_agency, now)
        dossier.status, dossier.submitted_at = submitted, now
        dossier.save(update_fields=["code", "status", "submitted_at"])
        submit_entry = services.dossier_log_record(
            dossier=dossier,
            actor=actor,
            role=ActorRole.RECEPTIONIST,
            action=Action.SUBMIT,
            from_status=Status.DRAFT,
            to_status=submitted,
            data={
                **on_behalf,
                "code": dossier.code,
                "documents": [
                    {"name": x.file.name, "sha256": x.file.sha256, "digitised": x.digitised}
                    for x in dossier.documents.select_related("file")
                ],
            },
        )
        fee = services.version_fee(dossier)
        if fee:
            services.payment_create(dossier=dossier, purpose=PaymentPurpose.FEE, amount=fee)

        # Receipt at the same desk, same moment: the clock starts (form 01).
        edge = ensure_allowed(submitted, Action.RECEIVE, ActorRole.RECEPTIONIST)
        dossier.status, dossier.received_at = edge.target, now
        dossier.due_at = services.compute_due_at(dossier, now)
        dossier.save(update_fields=["status", "received_at", "due_at"])
        data = {**on_behalf, "due_at": dossier.due_at.isoformat() if dossier.due_at else None}
        # Form 01 as the online receipt issues it (`services._transition`): rendered
        # before the log row, so a rendering failure rolls the whole intake back.
        form01 = standard_forms.prepare(
            dossier=dossier,
            action=Action.RECEIVE,
            actor=actor,
            note=note.strip(),
            data=data,
            now=now,
        )
        entry = services.dossier_log_record(
            dossier=dossier,
            actor=actor,
            role=ActorRole.RECEPTIONIST,
            action=Action.RECEIVE,
            from_status=submitted,
            to_status=edge.target,
            note=note.strip(),
            data=data,
        )
        if form01 is not None:
            standard_forms.store(dossier=dossier, prepared=form01, entry=entry, now=now)
        # Both changes reach the outbox in this transaction, like an online filing's.
        services._notify(dossier, Action.SUBMIT, actor, submit_entry)
        services._notify(dossier, Action.RECEIVE, actor, entry)
    return dossier


def counter_cases(agency_ids):
    """Cases the desks `agency_ids` can take: published versions of procedures executed
    or decided by those agencies. One query; for the intake's picker."""
    from django.db.models import Q

    from procedures.models import Case

    return (
        Case.objects.filter(version__status=VersionStatus.PUBLISHED)
        .filter(
            Q(version__procedure__executing_agencies__in=agency_ids)
            | Q(version__procedure__competent_agencies__in=agency_ids)
        )
        .select_related("version__procedure")
        .distinct()
        .order_by("version__procedure__name", "position", "pk")
    )
