"""common.queries: a lookup by a unique key, without the ORDER BY of first()."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.queries import unique_or_none
from identity.models import User

pytestmark = pytest.mark.django_db


def test_the_row_or_none_and_no_order_by():
    user = User.objects.create(username="u1", id_number="079190000777")
    with CaptureQueriesContext(connection) as seen:
        assert unique_or_none(User.objects.filter(id_number="079190000777")) == user
        assert unique_or_none(User.objects.filter(id_number="079190000778")) is None
    assert len(seen) == 2
    assert all("ORDER BY" not in q["sql"] for q in seen)
