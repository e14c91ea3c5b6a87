"""Reads of the catalogue: the public list and search, the detail page, admin scoping.

Search works the way citizens type (DESIGN: `/thu-tuc/?q=`, accent-insensitive):
without diacritics, with a typo, with the start of words, or with the procedure
code. Everything runs in PostgreSQL on the generated, indexed columns of
`Procedure` (`search_vector`: full text; `search_document`: trigrams), so the cost
does not depend on Python looping over the catalogue:

- a procedure matches when all words match as prefixes (full text, `simple`
  config on accent-free text), or the whole query is trigram-similar to a part of
  the name (`<%`, word similarity: tolerates a typo), or the code starts with it;
- ranking, relevance first: exact code, then code prefix, then how well the words
  match (the whole query as a phrase, then word similarity in steps of 0.1). Among
  procedures that match equally well, what citizens actually file comes first
  (`demand_score`: dossiers of the last 90 days, online availability, procedures
  for individuals when an individual searches); then the finer full-text rank, and
  ties go to the shorter (more general) name.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.core.cache import cache
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Length, Ln, Round
from django.db.models.lookups import IRegex

from procedures.constants import AgencyKind, OnlineLevel, VersionStatus
from procedures.models import (
    Agency,
    Channel,
    Fee,
    Field,
    Procedure,
    ProcedureVersion,
    WorkflowStep,
)

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


# The filter lists of /thu-tuc/ (~150 fields and agencies) change only when an editor
# or the importer changes the catalogue; `procedures.services.catalogue_cache_clear`
# drops them then (called by the Field/Agency signal receivers in procedures.signals).
FILTER_AGENCY_KINDS = (AgencyKind.CITY, AgencyKind.DEPARTMENT, AgencyKind.WARD, AgencyKind.COMMUNE)


def catalogue_filter_options() -> dict[str, list[tuple[str, str]]]:
    """{"fields": [(pk, name)], "agencies": [(pk, name)]}, primary keys as strings
    (as they come back in the query string), from the cache when it has them."""
    return cached_with_catalogue("filter-options", _filter_options)


def _filter_options() -> dict[str, list[tuple[str, str]]]:
    return {
        "fields": [
            (str(pk), name) for pk, name in Field.objects.order_by("name").values_list("pk", "name")
        ],
        "agencies": [
            (str(pk), name)
            for pk, name in Agency.objects.filter(is_active=True, kind__in=FILTER_AGENCY_KINDS)
            .order_by("kind", "name")
            .values_list("pk", "name")
        ],
    }


def published_versions() -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)


def published_cases() -> QuerySet:
    """Cases of published versions, with their procedure."""
    from procedures.models import Case

    return Case.objects.filter(version__status=VersionStatus.PUBLISHED).select_related(
        "version__procedure"
    )


def published_cases_for_desks(agency_ids) -> QuerySet:
    """Cases the desks `agency_ids` can take: published versions of procedures executed
    or decided by those agencies. One query; for the counter intake's picker."""
    return (
        published_cases()
        .filter(
            Q(version__procedure__executing_agencies__in=agency_ids)
            | Q(version__procedure__competent_agencies__in=agency_ids)
        )
        .distinct()
        .order_by("version__procedure__name", "position", "pk")
    )


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
        # Subqueries, not joins + DISTINCT: the ranked search orders by expressions,
        # which DISTINCT would have to repeat in its select list.
        executing = Procedure.executing_agencies.through.objects.filter(agency_id__in=ids)
        competent = Procedure.competent_agencies.through.objects.filter(agency_id__in=ids)
        qs = qs.filter(
            Q(pk__in=executing.values("procedure_id")) | Q(pk__in=competent.values("procedure_id"))
        )
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


def _search_condition(query: ParsedQuery, *, relaxed: bool) -> Q:
    if relaxed:
        return _relaxed_condition(query)
    condition = Q(search_vector=_tsquery(query.terms)) if query.terms else Q(pk__in=[])
    if query.code:
        # Served by the trigram index too: the document starts with the code.
        condition |= Q(search_document__startswith=query.code)
    return condition


# What lifts a procedure among equally relevant ones. The dossier count weighs in on a
# log scale, so a procedure filed ten times as often gains about 2.3: more than being
# online, which in turn weighs more than the applicant kind.
ONLINE_WEIGHT = {OnlineLevel.FULL: 2.0, OnlineLevel.PARTIAL: 1.0}
INDIVIDUAL_WEIGHT = 1.5
# Applicant kinds of the national catalogue that are persons rather than bodies
# ("Công dân Việt Nam", "Người nước ngoài…", "Người Việt Nam định cư ở nước ngoài");
# officials acting for their agency ("Cán bộ, công chức, viên chức") are not
# individuals applying for themselves. Matched on the stored text, which the importer
# and the admin keep in NFC, without normalising each row (that costs more than the
# rest of the ranking).
INDIVIDUAL_SUBJECTS_RE = r"(^|\|)\s*(công dân|người nước ngoài|người việt nam)"


def for_individuals_condition() -> IRegex:
    """True for a procedure whose applicants include individuals (see above)."""
    subjects = Func(F("subjects"), Value("|"), function="array_to_string", output_field=TextField())
    return IRegex(subjects, Value(INDIVIDUAL_SUBJECTS_RE))


def demand_score(*, for_individual: bool = False):
    """How much citizens file a procedure: ln(1 + dossiers of the last 90 days), plus
    its online availability, plus a lift for individuals' procedures when the
    searcher is an individual. An expression over the procedure's own columns (the
    count is kept by `procedures.services.procedure_demand_store`), so ranking costs
    no join and no count of dossiers."""
    score = Ln(F("recent_dossiers") + Value(1.0)) + Case(
        *(When(online_level=level, then=Value(weight)) for level, weight in ONLINE_WEIGHT.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )
    if for_individual:
        score = score + Case(
            When(for_individuals_condition(), then=Value(INDIVIDUAL_WEIGHT)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return score


def procedure_search(
    qs: QuerySet[Procedure],
    query: ParsedQuery,
    *,
    relaxed: bool | None = None,
    for_individual: bool = False,
) -> QuerySet[Procedure]:
    """Filter and rank `qs` by `query`; unchanged when the query has no words.

    `relaxed=False`: every word must match (or the code); `relaxed=True`: all words
    but one (one typo). `None` decides with one cheap EXISTS query: relaxed only when
    the strict form matches nothing. Callers that read the ranked rows anyway should
    use `procedure_search_ids`, which learns that from the strict query itself.

    Annotates `relevance` (the coarse match: code, phrase, word similarity), `demand`
    (`demand_score`) and `rank` (full-text rank), and orders by them in that order;
    `for_individual`: the searcher is signed in as an individual.
    """
    if not query:
        return qs.annotate(rank=Value(0.0, output_field=FloatField()))
    if relaxed is None:
        relaxed = (
            bool(query.terms) and not qs.filter(_search_condition(query, relaxed=False)).exists()
        )
    condition = _search_condition(query, relaxed=relaxed and bool(query.terms))
    code_rank = Value(0.0, output_field=FloatField())
    if query.code:
        code_rank = Case(
            When(code=query.code, then=Value(100.0)),
            When(code__startswith=query.code, then=Value(10.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
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
        # Tenths of word similarity: finer differences are noise that should not
        # outweigh what citizens file (all four "lý lịch tư pháp" names score 1.0).
        similarity = TrigramWordSimilarity(Value(query.text), "search_document")
        relevance = code_rank + phrase + Round(similarity * Value(10.0)) / Value(10.0)
        # The fine order among equals. Each costly function appears once in the
        # statement (PostgreSQL does not share repeated subexpressions).
        rank = SearchRank(F("search_vector"), any_prefix, normalization=1)
    else:
        relevance = code_rank
        rank = Value(0.0, output_field=FloatField())
    return (
        qs.filter(condition)
        .annotate(
            relevance=relevance,
            demand=demand_score(for_individual=for_individual),
            rank=rank,
        )
        .order_by("-relevance", "-demand", "-rank", Length("name"), "code")
    )


def procedure_search_ids(
    qs: QuerySet[Procedure], query: ParsedQuery, *, limit: int, for_individual: bool = False
) -> list[int]:
    """Primary keys of the best `limit` matches of `query` in `qs`, best first.

    One query in the usual case: the strict search both answers "did every word
    match?" and returns the ranked ids (the count is `len()` of the result, bounded
    by `limit`). Only when it finds nothing does a second, relaxed query run. Without
    a query the ids come in code order.
    """
    if not query:
        return list(qs.order_by("code").values_list("pk", flat=True)[:limit])
    search = functools.partial(procedure_search, qs, query, for_individual=for_individual)
    ids = list(search(relaxed=False).values_list("pk", flat=True)[:limit])
    if not ids and query.terms:
        ids = list(search(relaxed=True).values_list("pk", flat=True)[:limit])
    return ids


# Result pages of recent searches. Citizens type the same few dozen queries over and
# over ("dang ky khai sinh"), and ranking them is most of a search page's cost. Every
# entry keeps the generation token it was built under;
# `procedures.services.catalogue_cache_clear` (called by the signal receivers whenever a
# procedure, version, field or agency changes, publishing and retiring included) deletes
# the token, so every earlier entry stops counting at once. What a row shows comes from
# the published version, which is read-only: it changes only through such a save. The
# timeout bounds staleness after a write that skips the receivers (raw SQL). The
# benchmark turns the cache off to measure the uncached path too.
SEARCH_GENERATION_KEY = "catalogue:search:generation"
SEARCH_CACHE_TIMEOUT = 10 * 60
SEARCH_CACHE_ENABLED = True


# The generation is read once per request (`request_generation_track`): a filing
# asks for it at every catalogue read (declaration form, fields, fees, documents),
# and a request sees one state of the catalogue anyway. Outside a request (workers,
# commands) it is read every time.
_request = threading.local()


def search_cache_generation() -> str:
    known = getattr(_request, "generation", None)
    if known is not None:
        return known
    return _request_remember(
        cache.get_or_set(SEARCH_GENERATION_KEY, lambda: uuid.uuid4().hex, None)
    )


def _request_remember(generation: str) -> str:
    """Keep `generation` for the rest of the request (outside one: nothing kept)."""
    if getattr(_request, "active", False):
        _request.generation = generation
    return generation


def request_generation_track(*, active: bool, **_kwargs) -> None:
    """A request starts (`active`) or ends: forget the generation it read."""
    _request.active = active
    _request.generation = None


def request_generation_forget() -> None:
    """The generation was retired in this thread: read the new one."""
    _request.generation = None


def cached_with_catalogue(name: str, build):
    """`build()`, cached under the catalogue's generation (as `cached_many_with_catalogue`
    does, for one value): for anything derived from the catalogue (lists of procedures,
    fields, agencies; search pages; rendered HTML), which every catalogue write renews.
    `name` may be long: it is hashed into the key."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return cached_many_with_catalogue("named", [digest], lambda _missing: {digest: build()})[digest]


# Small catalogue values every filing reads (a version's fields, a case's documents,
# a fee) are also kept in the process, under the same generation: a Redis round trip
# and an unpickling less each time. Only for values nobody changes once read (model
# rows, lists and sets of them, numbers): they are shared by every request of the
# process. Bounded in count and in age, like the shared cache.
_MEMO_SIZE = 2000
_MEMO_SECONDS = 60
_memo: dict = {"generation": None, "values": {}}


def cached_with_catalogue_in_process(name: str, build):
    """`cached_with_catalogue(name, build)`, kept in the process too (see above)."""
    generation = search_cache_generation()
    memo = _memo
    if memo["generation"] != generation or len(memo["values"]) >= _MEMO_SIZE:
        memo = {"generation": generation, "values": {}}
        globals()["_memo"] = memo
    now = time.monotonic()
    found = memo["values"].get(name)
    if found is not None and found[1] > now:
        return found[0]
    value = cached_with_catalogue(name, build)
    memo["values"][name] = (value, now + _MEMO_SECONDS)
    return value


def cached_many_with_catalogue(prefix: str, ids, build) -> dict:
    """`{id: value}` for every one of `ids`, cached under the catalogue generation, in
    one round trip for the generation (unless this request read it already) and all of
    them: each entry keeps the generation it was built under and counts only while
    that is still the current one. The generation is read before `build` runs, so a
    value built while a write commits is filed under the generation that write retires.
    `build(missing)` gives `{id: value}` for those not cached (or built under an older
    generation)."""
    ids = set(ids)
    if not ids:
        return {}
    keys = {i: f"catalogue:{prefix}:{i}" for i in ids}
    generation = getattr(_request, "generation", None)
    if generation is None:
        found = cache.get_many([SEARCH_GENERATION_KEY, *keys.values()])
        generation = _request_remember(
            found.get(SEARCH_GENERATION_KEY) or search_cache_generation()
        )
    else:
        found = cache.get_many(list(keys.values()))
    values = {
        i: found[key][1] for i, key in keys.items() if key in found and found[key][0] == generation
    }
    missing = ids - values.keys()
    if missing:
        built = build(missing)
        cache.set_many(
            {keys[i]: (generation, built[i]) for i in missing if i in built},
            SEARCH_CACHE_TIMEOUT,
        )
        values.update(built)
    return values


def _with_result_row(qs: QuerySet[Procedure]) -> QuerySet[Procedure]:
    """What a result row shows, prefetched: field, published version with its
    channels and fees, executing agencies (a fixed number of queries)."""
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


# One result page in one statement: the first channel of the published version and
# that channel's first fee through LATERAL joins, the executing agencies as an array.
# Written in SQL because this is the hot path of /thu-tuc/: the same through the ORM
# (Subquery/ArraySubquery annotations, or four prefetch querysets) costs several times
# more Python per page to build than the SQL takes to run.
_RESULT_ROWS_SQL = """
SELECT p.id, p.code, p.name, p.online_level, p.agency_text,
       f.name AS field_name,
       ch.id AS channel_id, ch.processing_time AS channel_time, ch.unit AS channel_unit,
       fee.id AS fee_id, fee.amount AS fee_amount, fee.currency AS fee_currency,
       fee.description AS fee_description,
       ARRAY(
           SELECT a.name FROM procedures_procedure_executing_agencies pa
           JOIN procedures_agency a ON a.id = pa.agency_id
           WHERE pa.procedure_id = p.id ORDER BY a.code
       ) AS agency_names
FROM procedures_procedure p
LEFT JOIN procedures_field f ON f.id = p.field_id
LEFT JOIN LATERAL (
    SELECT c.id, c.processing_time, c.unit
    FROM procedures_channel c JOIN procedures_procedureversion v ON v.id = c.version_id
    WHERE v.procedure_id = p.id AND v.status = %s
    ORDER BY c.position, c.id LIMIT 1
) ch ON true
LEFT JOIN LATERAL (
    SELECT e.id, e.amount, e.currency, e.description FROM procedures_fee e
    WHERE e.channel_id = ch.id ORDER BY e.position, e.id LIMIT 1
) fee ON true
WHERE p.id = ANY(%s)
"""


def procedure_rows_for_public(ids: list[int]) -> list[Procedure]:
    """The procedures `ids` (one result page), in that order, with what a result row
    shows, in ONE query: `field_name`, the executing agencies' `agency_names`, and
    the published version's first channel (`first_channel`) and its first fee
    (`first_fee`) as unsaved model instances, so `time_display` and `str(fee)` work.
    """
    if not ids:
        return []
    by_pk = {}
    for p in Procedure.objects.raw(_RESULT_ROWS_SQL, [VersionStatus.PUBLISHED.value, list(ids)]):
        p.first_channel = p.first_fee = None
        if p.channel_id is not None:
            p.first_channel = Channel(processing_time=p.channel_time, unit=p.channel_unit)
        if p.fee_id is not None:
            p.first_fee = Fee(
                amount=p.fee_amount, currency=p.fee_currency, description=p.fee_description
            )
        by_pk[p.pk] = p
    return [by_pk[pk] for pk in ids if pk in by_pk]


def procedure_list_for_public(
    *,
    query: ParsedQuery,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online_level: str | None = None,
    for_individual: bool = False,
) -> QuerySet[Procedure]:
    """The public catalogue as a queryset (the API paginates it), searched and
    filtered, with what a result row shows prefetched (published version, its
    channels and fees): a fixed number of queries whatever the page holds. Ranked by
    `procedure_search`, as the portal's pages are."""
    qs = procedure_filter(
        procedure_public_queryset(),
        field_id=field_id,
        level=level,
        agency_id=agency_id,
        online_level=online_level,
    )
    qs = procedure_search(qs, query, for_individual=for_individual)
    if not query:
        qs = qs.order_by("code")
    return _with_result_row(qs)


@dataclass(frozen=True)
class CataloguePage:
    total: int  # matches, counted up to page_size * max_pages + 1
    number: int  # the page shown (clamped to the last one)
    pages: int
    procedures: list[Procedure]


def procedure_page_for_public(
    *,
    query: ParsedQuery,
    page: int,
    page_size: int,
    max_pages: int,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online_level: str | None = None,
    for_individual: bool = False,
) -> CataloguePage:
    """One page of the public catalogue, searched and filtered: from the cache of
    recent searches, or else `_procedure_page` (two queries) stores it there.
    `for_individual`: the searcher is signed in as an individual (ranks the
    procedures individuals file higher; a separate cache entry)."""
    arguments = {
        "page": page,
        "page_size": page_size,
        "max_pages": max_pages,
        "field_id": field_id,
        "level": level,
        "agency_id": agency_id,
        "online_level": online_level,
        "for_individual": for_individual,
    }
    if not SEARCH_CACHE_ENABLED:
        return _procedure_page(query=query, **arguments)
    name = repr(("search", query.text, query.code, sorted(arguments.items())))
    return cached_with_catalogue(name, lambda: _procedure_page(query=query, **arguments))


def _procedure_page(
    *,
    query: ParsedQuery,
    page: int,
    page_size: int,
    max_pages: int,
    field_id: int | None = None,
    level: str | None = None,
    agency_id: int | None = None,
    online_level: str | None = None,
    for_individual: bool = False,
) -> CataloguePage:
    """One page of the public catalogue, searched and filtered.

    The ranked ids (at most what the pages can show, plus one to know there are
    more) come from one query that gives both the bounded count and the page; the
    page's rows then load by primary key with what they show. No separate count or
    EXISTS query; a fixed number of queries whatever the data size.
    """
    qs = procedure_filter(
        procedure_public_queryset(),
        field_id=field_id,
        level=level,
        agency_id=agency_id,
        online_level=online_level,
    )
    ids = procedure_search_ids(
        qs, query, limit=page_size * max_pages + 1, for_individual=for_individual
    )
    pages = max(1, min(max_pages, -(-len(ids) // page_size)))
    number = max(1, min(page, pages))
    offset = (number - 1) * page_size
    rows = procedure_rows_for_public(ids[offset : offset + page_size])
    return CataloguePage(total=len(ids), number=number, pages=pages, procedures=rows)


def procedure_get_for_public(*, code: str) -> Procedure | None:
    """One published procedure with everything its page shows, from the cache of the
    catalogue's generation (`cached_with_catalogue`: every write to the procedure, its
    versions and what hangs from them renews it); a code without a published procedure
    is cached too ("-", never None, which the cache cannot tell from a miss)."""
    found = cached_with_catalogue(
        f"procedure-page:{code}", lambda: _procedure_for_public(code) or "-"
    )
    return None if found == "-" else found


def _procedure_for_public(code: str) -> Procedure | None:
    # Fixed query count, every relation the page reads prefetched (and pickled with it).
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


def agency_list_for_public(*, parent_code: str = "", receiving: bool | None = None):
    """Active agencies (the public catalogue API), with their parent's code; under
    `parent_code` only its direct units; `receiving` keeps those with (or without) a
    one-stop desk."""
    qs = Agency.objects.filter(is_active=True).select_related("parent")
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if receiving is not None:
        qs = qs.filter(is_receiving_point=receiving)
    return qs


def field_list_for_public():
    """Every field of the catalogue."""
    return Field.objects.all()
