"""The new filter indexes are used: a few thousand dossiers over several agencies,
ANALYZEd, and the planner's own choice (sequential scans allowed) is checked."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from dossiers import queues
from dossiers.constants import Status
from tests.backoffice.queue_data import clone_many
from tests.dossiers.factories import World
from tests.helpers import rolled_back_after
from tests.procedures.factories import AgencyFactory

# One xdist worker writes the dossiers once for the module (see `big`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("queue_filters_indexes")]


@pytest.fixture(scope="module")
def big(django_db_setup, django_db_blocker):
    """The official's ward holds 3,000 dossiers, four other wards 300 each: written
    once for the module, rolled back after its last test."""
    with rolled_back_after(django_db_blocker):
        world = World()
        template = world.dossier_built(Status.RECEIVED)
        for n in range(4):
            clone_many(template, 300, agency=AgencyFactory(), start=n * 1000)
        clone_many(template, 3000, start=10000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dossiers_dossier")
        yield world


def _plan(user, **filters):
    scope = queues.official_scope(user)
    f = queues.Filters(**filters)
    qs = queues.ordered(queues.filtered_queryset(scope=scope, filters=f), f)
    return qs[: queues.PAGE_SIZE + 1].explain()


def test_code_search_uses_the_code_prefix_index(big):
    plan = _plan(big.leader, queue="all", q="000.00.31.h29-261127-1001")
    assert "dossier_code_search" in plan, plan


def test_code_end_search_uses_the_code_tail_index(big):
    assert "dossier_code_tail" in _plan(big.leader, queue="all", q="261127-1001")
    assert "dossier_code_tail" in _plan(big.leader, queue="all", q="1001")


def test_received_range_uses_the_received_indexes(big):
    day = timezone.localdate() - dt.timedelta(days=9)
    plan = _plan(
        big.receptionist,
        queue="ready",
        sort="received",
        received_from=day,
        received_to=day,
    )
    assert "dossier_recv_received" in plan, plan


def test_name_search_uses_the_agency_name_indexes(big):
    """A person's name within the official's agencies is read from the (agency, name)
    indexes, one range per side of the scope, and its last words from the (agency,
    words) GIN indexes, at any table size."""
    from identity.models import User

    rare = User.objects.create(username="tam", full_name="Ngô Văn Tám")
    clone_many(big.dossier_built(Status.RECEIVED, applicant=rare), 20, start=50000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
    for term in ("Ngô Văn Tám", "ngo van", "Văn Tám"):
        plan = _plan(big.leader, queue="all", q=term)
        assert "dossier_recv_name" in plan, plan
        assert "dossier_comp_name" in plan, plan
        assert "_words" in plan, plan
    scope = queues.official_scope(big.leader)
    page = queues.dossier_list_for_queue(
        scope=scope, filters=queues.Filters(queue="all", q="Ngô Văn Tám"), size=50
    )
    assert len(page.rows) == 21
    assert {d.applicant_id for d in page.rows} == {rare.pk}
