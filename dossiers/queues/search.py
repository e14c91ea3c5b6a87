"""The back office's one search box: a code, an ID number or a person's name, each a
single indexed condition."""

from __future__ import annotations

import math
import re

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.functions import Cast, Reverse, Upper
from django.db.models.lookups import StartsWith

from dossiers import estimates
from dossiers.queues.scope import PAGE_SIZE

# The end of a code as people read it off a slip or say it at the counter: the day's
# number ("0009", "9", "-0009") or the day and the number ("261207-0009").
CODE_TAIL = re.compile(r"(?P<dash>-)?(?P<day>\d{6}-)?(?P<number>\d{1,5})")


def search_q(term: str) -> Q:
    """One search box, four searches told apart by the shape of the term, so that each
    is a single indexed condition (an OR across them would defeat the indexes): the end
    of a code (a number of up to 4 digits, or `yymmdd-NNNN`) -> a code suffix
    (dossier_code_tail); digits only and 5 or more of them -> a personal ID number
    (exact; a code starts with at most 3 digits before its first dot); any other term
    with a digit -> a code prefix (dossier_code_search); no digit -> the applicant's
    name, accents ignored."""
    tail = CODE_TAIL.fullmatch(term)
    if tail and (tail["dash"] or tail["day"] or len(tail["number"]) <= 4):
        return code_tail_q(f"-{tail['day'] or ''}{tail['number'].zfill(4)}")
    if term.isdigit():
        return Q(applicant__id_number=term)
    if any(ch.isdigit() for ch in term):
        return Q(code__istartswith=term)
    from procedures.selectors import normalize

    fragment = " ".join(normalize(term).split())
    if len(fragment) < 3:
        # Trigrams need three characters: a shorter fragment would read every account.
        return Q(pk__isnull=True)  # nothing (and still compiles inside a union)
    return name_q(fragment)


def code_tail_q(suffix: str) -> Q:
    """Codes ending with `suffix`: a prefix of the reversed code, so that the
    dossier_code_tail index answers it (a LIKE '%...' would read every code)."""
    return Q(StartsWith(code_reversed(), suffix.upper()[::-1]))


def code_reversed():
    """The indexed expression of dossier_code_tail."""
    return Reverse(Upper(Cast("code", TextField())))


# Listing the K accounts that share a name fragment costs ~K reads of the account
# table (~8 us each, the normalised name rechecked); walking the queue in page order
# and checking each applicant (~25 us a row) reads ~PAGE_SIZE x accounts / K rows. The
# two cost the same near K = sqrt(3 x PAGE_SIZE x accounts): ~5,000 at 333 k accounts,
# ~32,000 at 13 M: a few hundred ms at worst, where scanning every account takes seconds.
NAME_COST_RATIO = 3


NAME_IDS_MIN = 500


def name_ids_max(accounts: int | None = None) -> int:
    """The most accounts a name search lists before it walks the queue instead."""
    if accounts is None:
        from django.contrib.auth import get_user_model

        table = get_user_model()._meta.db_table
        with connection.cursor() as cursor:
            # The planner's own account count (kept by autovacuum): no row is read.
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        accounts = int(row[0]) if row else 0
    return max(NAME_IDS_MIN, math.isqrt(NAME_COST_RATIO * PAGE_SIZE * max(accounts, 0)))


def name_q(fragment: str) -> Q:
    """Any part of the applicant's name, accents ignored (`fragment` normalised).

    A rare name: the trigram index on the normalised name (identity migration 0010)
    lists its accounts and the page reads their dossiers (`applicant_id = ANY(...)`,
    the applicant index). A common one ("nguyen"), by the planner's estimate or by
    finding more than `name_ids_max()` accounts: the queue's own ordered index scan is
    walked and each row's applicant checked (`motcua_name_like`), which stops when the
    page is full; the more people share the name, the sooner. Either way the cost
    follows the page and the name's rarity, not the number of accounts."""
    from django.contrib.auth import get_user_model

    from identity.models import normalized_name

    limit = name_ids_max()
    matching = (
        get_user_model().objects.alias(name=normalized_name()).filter(name__contains=fragment)
    )
    ids = []
    if estimates.estimated_count(matching) <= limit:
        ids = list(matching.values_list("pk", flat=True)[: limit + 1])
        if not ids:
            return Q(pk__isnull=True)
    if ids and len(ids) <= limit:
        # One array parameter, not thousands of placeholders to plan.
        return Q(
            Func(
                F("applicant_id"),
                Value(ids),
                arg_joiner=" = ANY(",
                template="(%(expressions)s))",
                output_field=BooleanField(),
            )
        )
    # identity migration 0010 explains why a function rather than a subquery.
    pattern = f"%{connection.ops.prep_for_like_query(fragment)}%"
    return Q(
        Func(
            F("applicant_id"),
            Value(pattern),
            function="motcua_name_like",
            output_field=BooleanField(),
        )
    )
