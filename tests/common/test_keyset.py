"""Keyset cursors: a forged one gives the first page, never an error."""

import base64
import json

import pytest

from common.keyset import cursor_decode, newest_first_page
from feedback.models import Feedback


def forged(value, pk=1) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [forged(None), forged("not a time"), forged(3), "!!", ""])
@pytest.mark.django_db
def test_a_forged_cursor_is_the_first_page(cursor):
    page = newest_first_page(Feedback.objects.all(), after=cursor, size=5)
    assert page.rows == [] and page.next_cursor is None


def test_a_time_without_zone_is_refused():
    assert cursor_decode(forged("2026-03-02T09:00:00"), moment=True) is None
