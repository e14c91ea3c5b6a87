"""Reads of dossiers: scoped at the source, so a view cannot forget a permission check
(STYLE R6). A dossier outside the caller's reach is simply not found (404)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from common.keyset import Page, newest_first_page
from dossiers.constants import FINAL, Action, ActorRole, Status, Visibility
from dossiers.evaluation import CRITERIA, dossier_moments_reached, moments_reached
from dossiers.models import (
    HEAVY_PROCEDURE_FIELDS,
    Dossier,
    DossierAssessment,
    DossierDocument,
    DossierLog,
    Rating,
    StoredFile,
)
from dossiers.workflow import actions_for
from procedures.constants import OnlineLevel
from signing.selectors import signature_statuses

PAGE_SIZE = 20


def _for_applicant(user) -> Q:
    # A subquery, not a join through the memberships: the join needed DISTINCT, and
    # PostgreSQL spent ~11 ms planning DISTINCT over every selected column (collated
    # names included) on each dossier page, against ~2 ms this way (bench/RESULTS.md).
    from identity.models import BusinessMembership

    businesses = BusinessMembership.objects.filter(user=user).values("business_id")
    return Q(applicant=user) | Q(business_id__in=businesses)


def dossier_get_for_applicant(*, user, ref) -> Dossier:
    """The dossier `ref` if `user` filed it or belongs to its business; else Http404."""
    if user is None or not user.is_authenticated:
        raise Http404
    dossier = (
        Dossier.objects.filter(_for_applicant(user), ref=ref)
        .exclude(status=Status.DISCARDED)
        # The catalogue's rows come from the cache (`with_catalogue`).
        .select_related("business")
        # `ref` is unique: no ORDER BY (first() would sort the joined row by id).
        .order_by()[:1]
    )
    dossier = next(iter(dossier), None)
    if dossier is None:
        raise Http404
    return with_catalogue(dossier)


def with_catalogue(dossier: Dossier) -> Dossier:
    """`dossier` with its version (and procedure, without its search columns), case
    and agencies attached, from the cache kept under the catalogue generation: these
    rows change only through catalogue writes, which renew it (procedures.signals)."""
    from procedures.models import Agency, Case, ProcedureVersion
    from procedures.selectors import cached_with_catalogue

    ids = (
        dossier.version_id,
        dossier.case_id,
        dossier.receiving_agency_id,
        dossier.competent_agency_id,
    )

    def build():
        version = (
            ProcedureVersion.objects.select_related("procedure")
            .defer(*(name.removeprefix("version__") for name in HEAVY_PROCEDURE_FIELDS))
            .get(pk=ids[0])
        )
        case = Case.objects.get(pk=ids[1]) if ids[1] is not None else None
        agencies = Agency.objects.in_bulk({ids[2], ids[3]} - {None})
        return version, case, agencies.get(ids[2]), agencies.get(ids[3])

    version, case, receiving, competent = cached_with_catalogue(
        "dossier-catalogue:{}:{}:{}:{}".format(*ids), build
    )
    fields = Dossier._meta
    for name, value in (
        ("version", version),
        ("case", case),
        ("receiving_agency", receiving),
        ("competent_agency", competent),
    ):
        fields.get_field(name).set_cached_value(dossier, value)
    return dossier


def dossier_key_for_applicant(*, user, ref) -> tuple[int, str]:
    """(pk, status) of the dossier `ref` under the same rule as
    `dossier_get_for_applicant`, read without joins: for actions that lock the row
    themselves. Http404 when `user` may not see it."""
    if user is None or not user.is_authenticated:
        raise Http404
    key = (
        Dossier.objects.filter(_for_applicant(user), ref=ref)
        .exclude(status=Status.DISCARDED)
        .values_list("pk", "status")
        .first()
    )
    if key is None:
        raise Http404
    return key


def dossier_list_for_applicant(
    *, user, status: str | None = None, after: str | None = None, size: int = PAGE_SIZE
) -> Page:
    """My dossiers, newest first, keyset-paginated on (created_at, id): one query per page
    at any size, served by the `dossier_applicant` / `dossier_business` indexes."""
    business_ids = list(user.business_memberships.values_list("business_id", flat=True))
    qs = Dossier.objects.filter(Q(applicant=user) | Q(business_id__in=business_ids)).exclude(
        status=Status.DISCARDED
    )
    if status in Status.values:
        qs = qs.filter(status=status)
    return newest_first_page(
        qs.select_related("version__procedure", "receiving_agency"), after=after, size=size
    )


# --- what the applicant may do now (the dossier page offers exactly these) -------------
# The services check the same rules again under the row lock.


def _applicant_may(dossier: Dossier, action: str) -> bool:
    return action in actions_for(dossier.status, ActorRole.APPLICANT)


def applicant_can_withdraw(dossier: Dossier) -> bool:
    """Withdrawal is open until a result exists (the workflow table)."""
    return _applicant_may(dossier, Action.WITHDRAW)


def applicant_can_supplement(dossier: Dossier) -> bool:
    """The agency asked for a supplement and is waiting for it."""
    return _applicant_may(dossier, Action.SUPPLEMENT)


def supplement_request_pending(dossier: Dossier, *, public_log=None) -> DossierLog | None:
    """The request the applicant is answering (what is missing and why), shown beside
    the form that answers it; None when no supplement is awaited. `public_log` is
    `dossier_public_log(dossier)` read already (no query then)."""
    if dossier.status not in (Status.DESK_SUPPLEMENT, Status.SUPPLEMENT_REQUESTED):
        return None
    if public_log is not None:
        asked = [e for e in public_log if e.action == Action.REQUEST_SUPPLEMENT]
        return max(asked, key=lambda e: e.seq, default=None)
    return (
        DossierLog.objects.filter(
            dossier=dossier, action=Action.REQUEST_SUPPLEMENT, visibility=Visibility.PUBLIC
        )
        .order_by("-seq")
        .first()
    )


@dataclass(frozen=True)
class MomentEvaluation:
    """One moment the applicant may evaluate, and the evaluation given (or None)."""

    moment: str
    label: str
    criteria: tuple[str, ...]
    given: Rating | None


def applicant_evaluations(dossier: Dossier, *, public_log=None) -> list[MomentEvaluation]:
    """The moments of the dossier the applicant may evaluate now or did evaluate, in
    workflow order (`dossiers.evaluation.moments_reached`): two queries, or none when
    the caller passes `dossier_public_log(dossier)` read already and it holds no
    evaluation (receipts, supplement requests and evaluations are all public rows;
    each evaluation is logged with its rating, in the same transaction)."""
    if not _applicant_may(dossier, Action.RATE):
        return []
    if public_log is None:
        rated = True
        reached = dossier_moments_reached(dossier)
    else:
        rated = any(e.action == Action.RATE for e in public_log)
        reached = moments_reached(dossier.status, [e.action for e in public_log])
    given = {r.moment: r for r in Rating.objects.filter(dossier_id=dossier.pk)} if rated else {}
    return [
        MomentEvaluation(m.value, str(m.label), CRITERIA[m], given.get(m.value)) for m in reached
    ]


def applicant_can_rate(dossier: Dossier) -> bool:
    """A moment of the dossier is reached and not evaluated yet (once per moment)."""
    return any(e.given is None for e in applicant_evaluations(dossier))


def applicant_can_message(dossier: Dossier) -> bool:
    """Messages with the agency are open once the dossier reached it, whatever its
    state since (a draft has no agency to talk to yet)."""
    return dossier.status not in (Status.DRAFT, Status.DISCARDED)


def applicant_can_discard(dossier: Dossier) -> bool:
    """A draft may be deleted (discarded) by its applicant; nothing filed may."""
    return _applicant_may(dossier, Action.DISCARD)


def dossier_assessment(dossier: Dossier) -> DossierAssessment | None:
    """The agency's own evaluation of a finished dossier (None before it finished).
    For the officials of its agencies: the caller loaded the dossier through their
    scope. No query for a dossier still open: the row is written when it finishes,
    and a finished dossier never reopens."""
    if dossier.status not in FINAL:
        return None
    return DossierAssessment.objects.filter(dossier_id=dossier.pk).first()


def dossier_public_log(dossier: Dossier) -> QuerySet[DossierLog]:
    """The timeline the applicant sees: the log without internal notes."""
    return dossier.log.filter(visibility=Visibility.PUBLIC).order_by("seq")


def result_available(dossier: Dossier) -> bool:
    """The applicant gets the result once it is returned, or as soon as it is ready
    when the procedure returns results online (fully online procedures)."""
    return dossier.status == Status.RETURNED or (
        dossier.status == Status.RESULT_READY
        and dossier.version.procedure.online_level == OnlineLevel.FULL
    )


def dossier_visible_documents(dossier: Dossier) -> QuerySet[DossierDocument]:
    """The documents of the dossier the applicant may see and download: theirs, and the
    result once it is available to them."""
    qs = dossier.documents.select_related("file", "required_document").filter(
        superseded_at__isnull=True
    )
    return qs if result_available(dossier) else qs.filter(is_result=False)


def with_signatures(documents) -> list:
    """The dossier documents (their `file` loaded) as a list, each PDF carrying the
    validation outcome of its signatures as `signature` (None when it has none kept:
    an image, or a file stored before validation existed). One query."""
    documents = list(documents)
    statuses = signature_statuses(
        d.file.sha256 for d in documents if d.file.content_type == "application/pdf"
    )
    for d in documents:
        d.signature = statuses.get(d.file.sha256)
    return documents


def stored_file_get_for_owner(*, user, pk) -> StoredFile:
    """One of the user's own documents (not deleted); anyone else's is a 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    stored = stored_files_for(user).filter(pk=pk).first()
    if stored is None:
        raise Http404
    return stored


def stored_files_with_uses(user) -> QuerySet[StoredFile]:
    """My documents, newest first, each with the dossiers it is used in (two queries)."""
    return stored_files_for(user).prefetch_related(
        Prefetch(
            "uses",
            queryset=DossierDocument.objects.select_related("dossier").exclude(
                dossier__status=Status.DISCARDED
            ),
        )
    )


def stored_files_page(*, user, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of My documents, newest first, keyset-paginated on (created_at, id)
    like My dossiers: two queries per page (the files, then the dossiers using them)
    at any number of files, served by the `storedfile_owner` index."""
    return newest_first_page(stored_files_with_uses(user), after=after, size=size)


def stored_files_for(user) -> QuerySet[StoredFile]:
    return StoredFile.objects.filter(owner=user, deleted_at__isnull=True).order_by(
        "-created_at", "-pk"
    )


# Words that say how a document is presented, not what it is ("bản sao có chứng thực
# Giấy khai sinh" is a birth certificate): left out when names are compared.
_PRESENTATION_WORDS = frozenset(
    [
        "ban",
        "sao",
        "chinh",
        "chung",
        "thuc",
        "hoac",
        "va",
        "cua",
        "co",
        "cac",
        "giay",
        "to",
        "kem",
        "theo",
        "hop",
        "le",
        "duoc",
        "cap",
    ]
)
# Share of words two names must have in common to be the same document: high enough
# that an application form ("Đơn đề nghị cấp Phiếu lý lịch tư pháp") is not taken for
# the certificate it asks for ("Phiếu lý lịch tư pháp").
SAME_DOCUMENT_OVERLAP = 0.75
STORED_FILES_OFFERED = 200


def document_words(name: str) -> frozenset[str]:
    from procedures.selectors import normalize

    return frozenset(re.findall(r"[a-z0-9]+", normalize(name))) - _PRESENTATION_WORDS


def same_document(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= SAME_DOCUMENT_OVERLAP


def stored_files_by_component(user, components) -> dict[int, list[StoredFile]]:
    """For each required document (component, by id), the person's stored files of the
    same kind, newest first. A file is of the kind of every component it was attached
    to before and, for a result, of the results of its procedure; kinds are compared
    by name, accents, order and presentation words ignored (procedures name the same
    document slightly differently). A file of no known kind is offered for nothing:
    one click must not attach the wrong document. Three queries."""
    files = list(stored_files_for(user)[:STORED_FILES_OFFERED])
    if not files or not components:
        return {}
    kinds: dict[int, set[frozenset[str]]] = {}
    uses = DossierDocument.objects.filter(file__in=files)
    for file_id, name in uses.filter(required_document__isnull=False).values_list(
        "file_id", "required_document__name"
    ):
        kinds.setdefault(file_id, set()).add(document_words(name))
    for file_id, name in uses.filter(is_result=True).values_list(
        "file_id", "dossier__version__procedure__results__name"
    ):
        if name:
            kinds.setdefault(file_id, set()).add(document_words(name))
    offered = {}
    for component in components:
        wanted = document_words(component.name)
        offered[component.pk] = [
            f for f in files if any(same_document(wanted, k) for k in kinds.get(f.pk, ()))
        ]
    return offered


@dataclass(frozen=True)
class PublicStatus:
    code: str
    procedure: str
    procedure_code: str
    agency: str
    status: str
    status_label: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None


def dossier_public_status(code: str) -> PublicStatus | None:
    """What anyone may learn from a code: no name, no ID number, no documents. The code
    is matched whatever its case (people copy it from a paper slip or type it on a
    phone), through the code search index on UPPER(code)."""
    code = (code or "").strip()
    if not code or len(code) > 60:
        return None
    dossier = (
        Dossier.objects.filter(code__iexact=code)
        .select_related("version__procedure", "receiving_agency")
        .first()
    )
    if dossier is None:
        return None
    return PublicStatus(
        code=dossier.code,
        procedure=dossier.version.procedure.name,
        procedure_code=dossier.version.procedure.code,
        agency=dossier.receiving_agency.name,
        status=dossier.status,
        status_label=str(dossier.get_status_display()),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        finished_at=dossier.finished_at,
    )
