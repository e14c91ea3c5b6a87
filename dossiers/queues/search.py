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


def search_q(term: str) -> Q:
    """One search box, four searches told apart by the shape of the term, so that each
    is a single indexed condition (an OR across them would defeat the indexes): the end
    of a code (a number of up to 4 digits, or `yymmdd-NNNN`) -> a code suffix
    (dossier_code_tail); digits only and 5 or more of them -> a personal ID number
    (exact; a code starts with at most 3 digits before its first dot); any other term
    with a digit -> a code prefix (dossier_code_search); no digit -> the beginning of
    the applicant's name, accents ignored."""
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
    return name_q(fragment)


def name_key(text: str) -> str:
    """A name as the search compares it: accents removed, lower case, single spaces
    (the form `Dossier.applicant_name` stores)."""
    from procedures.selectors import normalize

    return " ".join(normalize(text).split())


def code_tail_q(suffix: str) -> Q:
    """Codes ending with `suffix`: a prefix of the reversed code, so that the
    dossier_code_tail index answers it (a LIKE '%...' would read every code)."""
    return Q(StartsWith(code_reversed(), suffix.upper()[::-1]))


def code_reversed():
    """The indexed expression of dossier_code_tail."""
    return Reverse(Upper(Cast("code", TextField())))


def name_q(fragment: str) -> Q:
    """Names that begin with `fragment` (normalised): the full name, or its first
    words ("nguyen van"), accents ignored.

    One condition on `Dossier.applicant_name` beside the agency: a rare name is a short
    range of `dossier_recv_name` / `dossier_comp_name` per agency of the scope, whatever
    the number of dossiers or accounts; a common beginning ("nguyen") is checked on the
    rows of the queue's own ordered index, a column of the row already read, and the
    scan stops when the page is full. The planner chooses from the column's statistics.
    A prefix rather than trigrams: Vietnamese names are made of few syllables, so every
    trigram of a person's name is common and a trigram index intersects long lists
    (bench/RESULTS.md)."""
    return Q(applicant_name__startswith=fragment)
