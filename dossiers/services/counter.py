"""A paper dossier filed at the one-stop desk for a walk-in applicant and received in the
same step.

`counter_intake` is ONE transaction through the same services as an online filing:
find or create the applicant's account, create the draft (channel "direct"), attach
the scanned documents (each marked as digitised from the paper original), submit and
receive. Anything wrong (an ID number unknown to the population registry, a bad file,
a procedure this desk does not receive, an incomplete declaration) raises before
commit: nothing is written, and files already put on storage are deleted again
(`files_guard`).

The log reads as what happened at the desk: creation, submission and receipt are each
one row by the receptionist, with the applicant's account in `data["on_behalf_of"]`
(`legal.FILING`, `legal.RECEIPT`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.queries import unique_or_none
from dossiers.constants import ActorRole
from dossiers.errors import DossierError
from dossiers.models import Dossier
from dossiers.services.desk import dossier_receive
from dossiers.services.filing import dossier_attach_file, dossier_create_draft, dossier_submit
from dossiers.services.processing import dossier_request_supplement
from dossiers.services.storage import files_guard
from dossiers.workflow import TransitionNotAllowed
from identity import registry as registry_module
from identity.permissions import has_role
from identity.services import account_create_for_walk_in
from procedures.constants import ChannelMethod


class ApplicantNotFound(DossierError):
    """The registry does not know this person (or cannot be asked now)."""


@dataclasses.dataclass
class ScannedDocument:
    """One paper component scanned at the desk (`required_document_id` None = extra)."""

    upload: object
    required_document_id: int | None = None
    digitised: bool = True


def account_by_id_number(id_number: str):
    return unique_or_none(get_user_model().objects.filter(id_number=id_number))


def applicant_for_counter(
    *, id_number: str, full_name: str, birth_date: dt.date, actor, phone: str = "", registry=None
):
    """The account of the person standing at the desk, found by personal ID number; when
    there is none, a new level-1 account from the population registry's record (name and
    birth date as the registry has them). Returns (user, created)."""
    user = account_by_id_number(id_number)
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
    try:
        return account_create_for_walk_in(record=result, phone=phone, actor=actor)
    except ValidationError as error:
        raise ApplicantNotFound(error.messages[0]) from None


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
    supplement: str = "",
) -> Dossier:
    """(nothing) -> RECEIVED, in one transaction; see the module docstring. With
    `supplement` (everything missing or invalid), the desk files the dossier and asks
    for it instead of receiving: (nothing) -> DESK_SUPPLEMENT, form 02. Raises
    TransitionNotAllowed when `actor` is not a desk official of `receiving_agency`,
    DossierError (ApplicantNotFound, DossierIncomplete) on bad input."""
    with files_guard(), transaction.atomic():
        if not has_role(actor, receiving_agency.code, ActorRole.RECEPTIONIST):
            raise TransitionNotAllowed(f"{actor} is not at the desk of {receiving_agency.code}")
        applicant, created = applicant_for_counter(
            id_number=id_number,
            full_name=full_name,
            birth_date=birth_date,
            actor=actor,
            phone=phone,
            registry=registry,
        )
        on_behalf = {"on_behalf_of": applicant.pk, "channel": ChannelMethod.DIRECT}
        dossier = dossier_create_draft(
            applicant=applicant,
            version=case.version,
            case=case,
            receiving_agency=receiving_agency,
            actor=actor,
            channel=ChannelMethod.DIRECT,
            form_data=declaration,
            data={**on_behalf, "account_created": created},
        )
        for scanned in documents:
            dossier_attach_file(
                dossier_id=dossier.pk,
                actor=actor,
                required_document_id=scanned.required_document_id,
                upload=scanned.upload,
                digitised=scanned.digitised,
            )
        dossier_submit(dossier_id=dossier.pk, actor=actor, data=on_behalf)
        if supplement.strip():
            return dossier_request_supplement(
                dossier_id=dossier.pk, actor=actor, note=supplement, role=ActorRole.RECEPTIONIST
            )
        dossier = dossier_receive(
            dossier_id=dossier.pk, actor=actor, note=note.strip(), data=on_behalf
        )
    return dossier
