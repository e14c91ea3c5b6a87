"""Cheap counts (dossiers.estimates)."""

import pytest
from django.db import connection

from dossiers.estimates import count_or_estimate, estimated_count
from dossiers.models import Dossier
from loadtest.generator import LoadGenerator
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(db):
    return World()


def test_small_counts_are_exact_large_ones_estimated(world, django_assert_num_queries):
    LoadGenerator(dossiers=600, seed=2, batch=300, statistics=False).run()  # ends with ANALYZE
    qs = Dossier.objects.filter(receiving_agency=world.agency)
    with django_assert_num_queries(2):  # the plan, then the exact count
        assert count_or_estimate(qs) == (600, False)
    with django_assert_num_queries(1):  # the plan only
        number, estimated = count_or_estimate(qs, exact_below=100)
    assert estimated is True
    assert 300 <= number <= 1200  # the planner's figure, from the statistics


def test_estimate_follows_the_filter(world):
    LoadGenerator(dossiers=400, seed=3, batch=400, statistics=False).run()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
    everything = estimated_count(Dossier.objects.all())
    returned = estimated_count(Dossier.objects.filter(status="returned"))
    nothing = estimated_count(Dossier.objects.filter(status="no-such-status"))
    assert nothing < returned < everything
