"""Dossiers filed by a partner system, through the same services as the portal and the
desk, idempotent on the client's own id for the filing (`external_id`).

Who files: a dossier filed online (the national public-service portal relaying a
citizen's own filing) is the applicant's: the draft, its documents and its submission
are logged as theirs, with the client named in the log row's data. A paper dossier
(`direct`, `postal`) that an agency's system enters is the desk's: the client's
service account acts as the receptionist of the receiving agency, which its
`dossiers:write` scope made it, as the counter does.

Idempotency: the first filing under `(client, external_id)` makes the dossier; any
retry with the same request returns it (same code), a different request under the
same id is refused. Two retries racing are serialised by a transaction-level advisory
lock on the pair, and the unique constraint on `ApiIntake` is the backstop.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from api.models import ApiClient, ApiIntake
from common.queries import unique_or_none
from dossiers import services
from dossiers.declaration import declaration_clean
from dossiers.models import Dossier
from identity import services as identity_services
from identity.constants import BusinessRole
from identity.models import Business
from identity.validators import normalize_enterprise_code
from procedures.constants import ChannelMethod
from procedures.models import Agency
from procedures.selectors import cached_with_catalogue_in_process, published_versions


class IntakeInvalid(Exception):
    """Bad data: `errors` maps a JSON pointer of the request to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class IntakeConflict(Exception):
    """The external id was used already for a different request."""

    def __init__(self, dossier: Dossier):
        super().__init__(dossier.code)
        self.dossier = dossier


@dataclass(frozen=True)
class Filed:
    dossier: Dossier
    created: bool
    # The log rows this filing wrote (none when it found an earlier filing).
    log: tuple = ()


def request_digest(data: dict) -> str:
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _lock_key(client: ApiClient, external_id: str) -> int:
    digest = hashlib.sha256(f"api-intake:{client.pk}:{external_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _existing(client: ApiClient, external_id: str, digest: str) -> Filed | None:
    # Two columns: almost every filing is a first one, and finds nothing.
    found = unique_or_none(
        ApiIntake.objects.filter(client=client, external_id=external_id).values_list(
            "request_digest", "dossier_id"
        )
    )
    if found is None:
        return None
    dossier = Dossier.objects.get(pk=found[1])
    if found[0] != digest:
        raise IntakeConflict(dossier)
    return Filed(dossier, created=False)


def filing_actor(client: ApiClient, dossier: Dossier):
    """Who files for the client on this dossier (see the module docstring)."""
    if dossier.channel == ChannelMethod.ONLINE:
        return dossier.applicant
    return client.user


def api_dossier_file(*, client: ApiClient, data: dict, registry=None) -> Filed:
    """(nothing) -> DRAFT, or SUBMITTED when `data["submit"]`; or the dossier filed
    before under `data["external_id"]`. `data` is the request's validated body. Raises
    IntakeInvalid (nothing written), IntakeConflict, TransitionNotAllowed."""
    digest = request_digest(data)
    external_id = data["external_id"]
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(client, external_id)])
            existing = _existing(client, external_id, digest)
            if existing is not None:
                return existing
            return _file(client=client, data=data, registry=registry, digest=digest)
    except IntegrityError:
        # Only without the lock (another writer of the table): the first one won.
        existing = _existing(client, external_id, digest)
        if existing is None:
            raise
        return existing


def _file(*, client: ApiClient, data: dict, registry, digest: str) -> Filed:
    """The draft, submitted unless `data["submit"]` is false, and its `ApiIntake` row."""
    version, case = _version_and_case(data)
    agency = _receiving_agency(client, data["receiving_agency"])
    channel = data["channel"]
    if not any(c.method == channel for c in version.channels.all()):
        raise IntakeInvalid(
            {"/channel": [_("This procedure cannot be filed through this channel.")]}
        )
    declaration, errors = declaration_clean(version, data.get("declaration") or {})
    unknown = set(data.get("declaration") or {}) - {f.key for f in version.form_fields.all()}
    errors = {f"/declaration/{k}": v for k, v in errors.items()}
    for key in sorted(unknown):
        errors[f"/declaration/{key}"] = [_("Not a field of this procedure's declaration.")]
    if errors:
        raise IntakeInvalid(errors)
    applicant, business = _applicant(client, data["applicant"], registry)
    via = {"via": "api", "api_client": str(client.client_id), "external_id": data["external_id"]}

    def intake_record(dossier):
        dossier.api_intake = ApiIntake.objects.create(
            client=client, external_id=data["external_id"], dossier=dossier, request_digest=digest
        )

    log = []
    try:
        # Online, the applicant files their own draft; on paper the client is the desk
        # (`filing_actor`), and the same actor submits it.
        online = channel == ChannelMethod.ONLINE
        dossier = services.dossier_create_draft(
            applicant=applicant,
            business=business,
            version=version,
            case=case,
            receiving_agency=agency,
            actor=None if online else client.user,
            channel=channel,
            form_data=declaration,
            data=via if online else {**via, "on_behalf_of": applicant.pk, "channel": channel},
            submit=data.get("submit", True),
            submit_data=via,
            created=intake_record,
            log=log,
        )
    except services.DossierIncomplete as error:
        raise IntakeInvalid(problems_as_errors(error.problems)) from None
    except services.DossierError as error:
        raise IntakeInvalid({"": error.messages}) from None
    return Filed(dossier, created=True, log=tuple(log))


def problems_as_errors(problems: dict) -> dict[str, list[str]]:
    """`services.submission_problems` as errors of the request."""
    errors = {f"/declaration/{k}": v for k, v in problems.get("declaration", {}).items()}
    missing = problems.get("missing") or []
    if missing:
        errors["/documents"] = [
            _("Missing required document: %(name)s (%(code)s).") % {"name": d.name, "code": d.code}
            for d in missing
        ]
    return errors


def _published_version(code: str):
    """The procedure's published version with what a filing reads of it (cases,
    channels, form fields, competent agencies), from the catalogue cache: every write
    to any of them renews its generation (`procedures.signals`)."""

    def build():
        found = (
            published_versions()
            .filter(procedure__code=code)
            .select_related("procedure")
            .defer("procedure__search_document", "procedure__search_vector")
            .prefetch_related("cases", "channels", "form_fields", "procedure__competent_agencies")
            .first()
        )
        return found or "-"

    found = cached_with_catalogue_in_process(f"intake-version:{code}", build)
    return None if found == "-" else found


def _version_and_case(data: dict):
    version = _published_version(data["procedure"])
    if version is None:
        raise IntakeInvalid({"/procedure": [_("No published procedure has this code.")]})
    cases = list(version.cases.all())
    wanted = (data.get("case") or "").strip()
    if wanted:
        found = [c for c in cases if wanted in (c.code, c.name)]
    else:
        found = cases if len(cases) == 1 else []
    if len(found) != 1:
        names = ", ".join(c.code or c.name for c in cases)
        raise IntakeInvalid({"/case": [_("Name one case of this procedure: %s.") % names]})
    return version, found[0]


def _receiving_agency(client: ApiClient, code: str):
    """The agency from the catalogue cache (every write to an agency renews its
    generation); whether it is the client's, from the client's agency links."""
    found = cached_with_catalogue_in_process(
        f"intake-agency:{code}", lambda: Agency.objects.filter(code=code).first() or "-"
    )
    if found == "-" or not (
        ApiClient.agencies.through.objects.filter(apiclient=client, agency_id=found.pk).exists()
    ):
        raise IntakeInvalid({"/receiving_agency": [_("Not one of this client's agencies.")]})
    return found


def _applicant(client: ApiClient, person: dict, registry):
    """The applicant's account (found by personal ID number, or created unverified from
    the population registry as at the counter) and the business filed for, if any."""
    try:
        user, _created = services.applicant_for_counter(
            id_number=person["id_number"],
            full_name=person["full_name"],
            birth_date=person["birth_date"],
            actor=client.user,
            phone=person.get("phone", ""),
            registry=registry,
        )
    except services.ApplicantNotFound as error:
        raise IntakeInvalid({"/applicant/id_number": error.messages}) from None
    code = (person.get("enterprise_code") or "").strip()
    if not code:
        return user, None
    business = Business.objects.filter(enterprise_code=normalize_enterprise_code(code)).first()
    if business is None:
        try:
            business = identity_services.business_register(
                user=user,
                enterprise_code=code,
                name=person.get("business_name") or "",
                legal_representative=person.get("legal_representative") or person["full_name"],
                role=BusinessRole.REPRESENTATIVE,
            )
        except ValidationError as error:
            raise IntakeInvalid({"/applicant/enterprise_code": list(error.messages)}) from None
    elif not business.memberships.filter(user=user).exists():
        raise IntakeInvalid(
            {"/applicant/enterprise_code": [_("This person is not a member of this business.")]}
        )
    return user, business
