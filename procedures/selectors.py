"""Reads of the catalogue: the public list and search, the detail page, admin scoping.

Search works the way citizens type (DESIGN: `/thu-tuc/?q=`, accent-insensitive):
without diacritics, with a typo, with the start of words, or with the procedure
code. Everything runs in PostgreSQL on the generated, indexed columns of
`Procedure` (`search_vector`: full text; `search_document`: trigrams), so the cost
does not depend on Python looping over the catalogue:

- a procedure matches when all words match as prefixes (full text, `simple`
  config on accent-free text), or the whole query is trigram-similar to a part of
  the name (`<%`, word similarity: tolerates a typo), or the code starts with it;
- ranking: exact code, then code prefix, then full-text rank + word similarity;
  ties go to the shorter (more general) name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Length

from procedures.constants import VersionStatus
from procedures.models import Agency, Channel, Procedure, ProcedureVersion, WorkflowStep

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
CODE_RE = re.compile(r"^\d{1,2}\.\d{0,6}$|^\d{3,6}$")


def normalize(text: str) -> str:
    """Lower-case ASCII-only form of Vietnamese text (Python twin of motcua_normalize)."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    text: str  # normalized, single-spaced
    terms: tuple[str, ...]
    code: str | None

    def __bool__(self) -> bool:
        return bool(self.terms or self.code)


def parse_query(raw: str | None) -> ParsedQuery:
    raw = unicodedata.normalize("NFC", (raw or "")).strip()[:MAX_QUERY_LENGTH]
    text = normalize(raw)
    code_candidate = text.strip().rstrip(".")
    code = code_candidate if CODE_RE.match(code_candidate) else None
    terms = tuple(re.findall(r"[a-z0-9]+", text))[:MAX_TERMS]
    return ParsedQuery(raw=raw, text=" ".join(terms), terms=terms, code=code)


def published_versions() -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)


def procedure_public_queryset() -> QuerySet[Procedure]:
    """Procedures the public sees: active, with a published version."""
    # EXISTS, not a join: the planner can then start from the search indexes.
    return Procedure.objects.filter(
        Exists(published_versions().filter(procedure_id=OuterRef("pk"))), is_active=True
    )


def agency_subtree_ids(agency_id: int) -> list[int]:
    """The agency and all its descendants (one recursive query)."""
    sql = """
        WITH RECURSIVE tree(id) AS (
            SELECT id FROM procedures_agency WHERE id = %s
            UNION ALL
            SELECT a.id FROM procedures_agency a JOIN tree t ON a.parent_id = t.id
        ) SELECT id FROM tree
    """
    return [a.id for a in Agency.objects.raw(sql, [agency_id])]


def procedure_filter(
    qs: QuerySet[Procedure],
    *,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online_level: str | None = None,
) -> QuerySet[Procedure]:
    if field_id:
        qs = qs.filter(field_id=field_id)
    if level:
        qs = qs.filter(levels__contains=[level])
    if online_level:
        qs = qs.filter(online_level=online_level)
    if agency_id:
        ids = agency_subtree_ids(agency_id)
        qs = qs.filter(Q(executing_agencies__in=ids) | Q(competent_agencies__in=ids)).distinct()
    return qs


def _tsquery(terms) -> SearchQuery:
    return SearchQuery(" & ".join(f"{t}:*" for t in terms), search_type="raw", config="simple")


def _relaxed_condition(query: ParsedQuery) -> Q:
    """For a query with one mistyped word: every word but one matches (still served
    by the full-text index); a single word falls back to trigram word similarity."""
    terms = query.terms
    if len(terms) == 1:
        return Q(search_document__trigram_word_similar=query.text)
    condition = Q()
    for skip in range(len(terms)):
        condition |= Q(search_vector=_tsquery(terms[:skip] + terms[skip + 1 :]))
    return condition


def procedure_search(qs: QuerySet[Procedure], query: ParsedQuery) -> QuerySet[Procedure]:
    """Filter and rank `qs` by `query`; unchanged when the query has no words.

    Runs one cheap EXISTS query to decide whether every word matched somewhere;
    when none did, it relaxes to "all words but one" (one typo).
    """
    if not query:
        return qs.annotate(rank=Value(0.0, output_field=FloatField()))
    condition = Q(search_vector=_tsquery(query.terms)) if query.terms else Q(pk__in=[])
    code_rank = Value(0.0, output_field=FloatField())
    if query.code:
        # Served by the trigram index too: the document starts with the code.
        condition |= Q(search_document__startswith=query.code)
        code_rank = Case(
            When(code=query.code, then=Value(100.0)),
            When(code__startswith=query.code, then=Value(10.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    if query.terms and not qs.filter(condition).exists():
        condition = _relaxed_condition(query)
    if query.terms:
        any_prefix = SearchQuery(
            " | ".join(f"{t}:*" for t in query.terms), search_type="raw", config="simple"
        )
        # The whole query as a phrase at a word start ("giam ho" in "dang ky giam ho").
        phrase = Case(
            When(search_document__contains=" " + query.text, then=Value(1.0)),
            When(search_document__startswith=query.text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        text_rank = (
            phrase
            + TrigramWordSimilarity(Value(query.text), "search_document")
            + SearchRank(F("search_vector"), any_prefix, normalization=1) * Value(0.2)
        )
    else:
        text_rank = Value(0.0, output_field=FloatField())
    return (
        qs.filter(condition)
        .annotate(rank=code_rank + text_rank)
        .order_by("-rank", Length("name"), "code")
    )


def procedure_list_for_public(
    *,
    query: ParsedQuery,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online_level: str | None = None,
) -> QuerySet[Procedure]:
    """The public catalogue, searched and filtered, with what a result row shows
    prefetched (published version, its channels and fees): a fixed number of
    queries whatever the page holds."""
    qs = procedure_filter(
        procedure_public_queryset(),
        field_id=field_id,
        level=level,
        agency_id=agency_id,
        online_level=online_level,
    )
    qs = procedure_search(qs, query)
    if not query:
        qs = qs.order_by("code")
    return qs.select_related("field").prefetch_related(
        Prefetch(
            "versions",
            queryset=published_versions().prefetch_related(
                Prefetch("channels", queryset=Channel.objects.prefetch_related("fees"))
            ),
            to_attr="published",
        ),
        "executing_agencies",
    )


def procedure_get_for_public(*, code: str) -> Procedure | None:
    """One published procedure with everything its page shows (fixed query count)."""
    version_qs = published_versions().prefetch_related(
        Prefetch("channels", queryset=Channel.objects.prefetch_related("fees")),
        "cases__documents",
        "form_fields",
        Prefetch("steps", queryset=WorkflowStep.objects.all()),
    )
    return (
        procedure_public_queryset()
        .filter(code=code)
        .select_related("field")
        .prefetch_related(
            Prefetch("versions", queryset=version_qs, to_attr="published"),
            "competent_agencies",
            Prefetch("executing_agencies", queryset=Agency.objects.select_related("parent")),
            "legal_bases",
            "results",
        )
        .first()
    )


# --- editing rights (agency admins, django-guardian) -----------------------------------


def agencies_managed_by(user) -> list[int] | None:
    """Agency ids whose procedures `user` may edit (their grants and the agencies
    below them); None means every agency (superusers)."""
    if user.is_superuser:
        return None
    from guardian.shortcuts import get_objects_for_user

    granted = get_objects_for_user(
        user, "procedures.manage_procedures", klass=Agency, accept_global_perms=False
    ).values_list("pk", flat=True)
    ids: set[int] = set()
    for pk in granted:
        ids.update(agency_subtree_ids(pk))
    return sorted(ids)


def procedure_list_editable_by(user) -> QuerySet[Procedure]:
    agencies = agencies_managed_by(user)
    if agencies is None:
        return Procedure.objects.all()
    return Procedure.objects.filter(
        Q(executing_agencies__in=agencies) | Q(competent_agencies__in=agencies)
    ).distinct()


def procedure_can_edit(user, procedure: Procedure) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    return procedure_list_editable_by(user).filter(pk=procedure.pk).exists()
