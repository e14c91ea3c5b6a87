"""The queue tabs' counts are cached per official (dossiers.queues.queue_counts) and
counted afresh as soon as a change to a dossier of their agencies commits: an official
always sees the effect of an action on the next page. These tests commit for real
(transactional), since the generations move only when a transaction commits."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import queues, services
from dossiers.constants import Status
from dossiers.models import Dossier
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.QUEUE_COUNTS_CACHE_SECONDS = 60


def _page(client):
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/mot-cua/?hang-doi=receive").content.decode()
    counted = sum('COUNT("dossiers_dossier"' in q["sql"] for q in ctx.captured_queries)
    match = re.search(r'href="\?hang-doi=receive".*?bo-tabs__count">(\d+)<', html, re.S)
    return int(match.group(1)), counted


def test_counts_come_from_the_cache_until_a_dossier_of_the_agency_changes(client):
    world = World()
    first, second = world.dossier_in(Status.SUBMITTED), world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)

    assert _page(client) == (2, 1)  # counted
    assert _page(client) == (2, 0)  # from the cache: no count query

    services.dossier_receive(dossier_id=first.pk, actor=world.receptionist)
    assert _page(client) == (1, 1)  # the reception committed: counted afresh
    assert _page(client) == (1, 0)

    # A change made outside the services (the admin, a script) counts too.
    dossier = Dossier.objects.get(pk=second.pk)
    dossier.status = Status.RECEIVED
    dossier.save()
    assert _page(client) == (0, 1)


def test_a_rolled_back_change_keeps_the_cached_counts(client):
    world = World()
    world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    assert _page(client) == (1, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier = Dossier.objects.get(status=Status.SUBMITTED)
        dossier.status = Status.RECEIVED
        dossier.save()
        raise RuntimeError("rolled back")
    assert _page(client) == (1, 0)


def test_moving_a_dossier_to_another_agency_recounts_both():
    world = World()
    dossier = Dossier.objects.get(pk=world.dossier_in(Status.PROCESSING).pk)
    other = AgencyFactory()
    before = {pk: cache.get(queues.counts_generation_key(pk)) for pk in (world.agency.pk, other.pk)}
    dossier.competent_agency = other
    dossier.save()
    after = {pk: cache.get(queues.counts_generation_key(pk)) for pk in (world.agency.pk, other.pk)}
    assert after[world.agency.pk] != before[world.agency.pk]
    assert after[other.pk] and after[other.pk] != before[other.pk]


def test_a_draft_saved_as_a_draft_leaves_the_counts_alone():
    world = World()
    draft = world.complete_draft()
    key = queues.counts_generation_key(world.agency.pk)
    cache.set(key, "before", None)
    services.dossier_save_declaration(
        dossier_id=draft.pk, actor=world.applicant, data={**draft.form_data, "purpose": "Khác"}
    )
    assert cache.get(key) == "before"


def test_what_the_clock_moves_is_at_most_the_cache_period_late():
    """A dossier falls overdue with no write at all: a later period counts afresh."""
    world = World()
    late = world.dossier_in(Status.PROCESSING)
    scope = queues.official_scope(world.leader)
    now = timezone.now()
    Dossier.objects.filter(pk=late.pk).update(due_at=now + dt.timedelta(seconds=30))
    names = ["overdue"]
    assert queues.queue_counts(scope, names, now=now)["overdue"] == 0
    # No change committed (the update above was before the count), yet two minutes on
    # the count is taken again and sees the dossier overdue.
    assert queues.queue_counts(scope, names, now=now + dt.timedelta(seconds=120))["overdue"] == 1
