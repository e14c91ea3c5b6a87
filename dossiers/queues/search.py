"""The back office's one search box: a code, an ID number or a person's name, each a
single indexed condition."""

from __future__ import annotations

import re

from django.db.models import Q, TextField
from django.db.models.functions import Cast, Reverse, Upper
from django.db.models.lookups import StartsWith

# The end of a code as people read it off a slip or say it at the counter: the day's
# number ("0009", "9", "-0009") or the day and the number ("261207-0009").
CODE_TAIL = re.compile(r"(?P<dash>-)?(?P<day>\d{6}-)?(?P<number>\d{1,5})")


def search_q(term: str, *, agency_ids=None) -> Q:
    """One search box, four searches told apart by the shape of the term, so that each
    is a single indexed condition (an OR across them would defeat the indexes): the end
    of a code (a number of up to 4 digits, or `yymmdd-NNNN`) -> a code suffix
    (dossier_code_tail); digits only and 5 or more of them -> a personal ID number
    (exact; a code starts with at most 3 digits before its first dot); any other term
    with a digit -> a code prefix (dossier_code_search); no digit -> the beginning of
    the applicant's name or its last words, accents ignored, within `agency_ids` (the
    official's agencies, see `name_q`)."""
    tail = CODE_TAIL.fullmatch(term)
    if tail and (tail["dash"] or tail["day"] or len(tail["number"]) <= 4):
        return code_tail_q(f"-{tail['day'] or ''}{tail['number'].zfill(4)}")
    if term.isdigit():
        return Q(applicant__id_number=term)
    if any(ch.isdigit() for ch in term):
        return Q(code__istartswith=term)
    fragment = name_key(term)
    if len(fragment) < 3:
        # Two letters begin too many names to be worth a search.
        return Q(pk__isnull=True)  # nothing (and still compiles inside a union)
    return name_q(fragment, agency_ids=agency_ids)


def name_key(text: str) -> str:
    """A name as the search compares it: accents removed, lower case, single spaces
    (the form `Dossier.applicant_name` stores)."""
    from procedures.selectors import normalize

    return " ".join(normalize(text).split())


def name_words(key: str) -> list[str]:
    """The word-suffixes of a normalised name after its first word, longest first:
    "nguyen thi thu ha" -> ["thi thu ha", "thu ha", "ha"] (`Dossier.applicant_name_words`;
    the SQL twin is `motcua_name_words`, dossiers.applicant_names)."""
    words = key.split(" ") if key else []
    return [" ".join(words[i:]) for i in range(1, len(words))]


def code_tail_q(suffix: str) -> Q:
    """Codes ending with `suffix`: a prefix of the reversed code, so that the
    dossier_code_tail index answers it (a LIKE '%...' would read every code)."""
    return Q(StartsWith(code_reversed(), suffix.upper()[::-1]))


def code_reversed():
    """The indexed expression of dossier_code_tail."""
    return Reverse(Upper(Cast("code", TextField())))


def name_q(fragment: str, *, agency_ids=None) -> Q:
    """Names that begin with `fragment` (normalised): the full name, or its first
    words ("nguyen van"); or that end with it in whole words, the given names ("thu ha",
    "ha" of "nguyen thi thu ha"); accents ignored.

    Within `agency_ids` (the official's agencies) it is written as one arm per side of
    the scope and per way of matching, each with its agency column: the prefix is a
    short range of `dossier_recv_name` / `dossier_comp_name` (the agency, then the
    name), the last words one key of `dossier_recv_words` / `dossier_comp_words` (GIN
    over the agency and the word-suffixes), ORed as bitmaps, whatever the number of
    dossiers or accounts. PostgreSQL does not distribute an OR of sides over an OR of
    matches itself: without the arms a queue's scope (receiving OR competent agency)
    and the two matches left no index to use. A common term ("nguyen") is checked
    instead on the rows of the queue's own ordered index, columns of the row already
    read, and the scan stops when the page is full; the planner chooses from the
    columns' statistics. A prefix and whole words rather than trigrams: Vietnamese names
    are made of few syllables, so every trigram of a person's name is common and a
    trigram index intersects long lists (bench/RESULTS.md)."""
    prefix = Q(applicant_name__startswith=fragment)
    words = Q(applicant_name_words__contains=[fragment])
    if not agency_ids:
        return prefix | words
    ids = sorted(agency_ids)
    arms = Q()
    for side in ("receiving_agency_id__in", "competent_agency_id__in"):
        for match in (prefix, words):
            arms |= Q(**{side: ids}) & match
    return arms
