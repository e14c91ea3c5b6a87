"""The queue filters are served by indexes (with sequential scans disabled, so that the
planner shows which index it would use on a large table)."""

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from dossiers import queues
from dossiers.constants import Status
from dossiers.models import Dossier
from procedures.calendar import WorkingCalendar
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db


def _plan(user, name):
    scope = queues.official_scope(user)
    now = timezone.now()
    limit = queues.due_soon_limit(now, WorkingCalendar.load())
    qs = Dossier.objects.filter(queues.queue_q(name, scope, now, limit))
    qs = qs.order_by(F("due_at").asc(nulls_last=True), "pk")[: queues.PAGE_SIZE + 1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # A handful of rows: sorting them costs nothing, but the test is about the
        # order the index gives on a large table, where the planner avoids the sort.
        cursor.execute("SET LOCAL enable_sort = off")
    return qs.explain()


@pytest.mark.parametrize(
    ("role", "queue", "index"),
    [
        ("receptionist", "receive", "dossier_recv"),
        ("receptionist", "ready", "dossier_recv"),
        ("leader", "approval", "dossier_comp"),
        ("specialist", "mine", "dossier_assignee"),
    ],
)
def test_queue_uses_its_index(role, queue, index):
    world = World()
    world.dossier_built(Status.PROCESSING)
    assert index in _plan(getattr(world, role), queue)
