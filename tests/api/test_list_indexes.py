"""The partner list is index-backed: each side of the scope is one range scan of its
(agency, updated_at, id) index in the page's order, without a sort (sequential scans
disabled, so that the planner shows what it would do on a large table)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from common import keyset
from dossiers import queues
from dossiers.constants import Status
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": Status.PROCESSING},
        {"updated_since": "yesterday"},
        {"after": "cursor"},
    ],
)
def test_each_side_is_an_ordered_index_scan(filters):
    world = World()
    row = world.dossier_built(Status.PROCESSING)
    if "updated_since" in filters:
        filters["updated_since"] = timezone.now() - dt.timedelta(days=1)
    if "after" in filters:
        filters["after"] = keyset.cursor_encode(row.updated_at, row.pk)
    scope = queues.partner_scope(user=None, agencies={world.agency.pk: world.agency.code})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # A handful of rows: sorting them costs nothing, but the test is about the
        # order the index gives on a large table, where the planner avoids the sort.
        cursor.execute("SET LOCAL enable_sort = off")
    receiving, competent = queues.partner_page_querysets(scope=scope, size=50, **filters)
    for qs, index in ((receiving, "dossier_recv_updated"), (competent, "dossier_comp_updated")):
        plan = qs.explain()
        assert index in plan, plan
        assert "Sort" not in plan, plan
