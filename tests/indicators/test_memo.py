"""`indicators.memo`: figures remembered per key until the next refresh forgets them."""

import pytest
from django.db import transaction

from indicators import memo

# `forget` registers its second forgetting with the connection's transaction.
pytestmark = pytest.mark.django_db


def counter():
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    return calls, compute


def test_remembered_until_forgotten():
    calls, compute = counter()
    assert memo.remembered("t", (1, {3, 2}), compute) == {"n": 1}
    # The same parts (a set in any order) read the remembered value.
    assert memo.remembered("t", (1, {2, 3}), compute) == {"n": 1}
    assert memo.remembered("t", (2, {2, 3}), compute) == {"n": 2}
    memo.forget()
    assert memo.remembered("t", (1, {2, 3}), compute) == {"n": 3}
    assert len(calls) == 3


def test_no_ttl_means_computed_every_time():
    calls, compute = counter()
    memo.remembered("t", (), compute, ttl=0)
    memo.remembered("t", (), compute, ttl=0)
    assert len(calls) == 2


def test_a_refresh_forgets_again_after_its_commit(django_capture_on_commit_callbacks):
    """What another process computed from the old rows while the refresh's transaction
    was open (under the token set at once) is not read after the commit."""
    calls, compute = counter()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        memo.forget()
        during = memo.generation()
        memo.remembered("t", (), compute)
    assert memo.generation() != during
    memo.remembered("t", (), compute)
    assert len(calls) == 2
