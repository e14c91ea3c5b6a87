"""The queue tabs' counts at city scale: the open-state tabs count over the
open states only, "all" becomes the planner's estimate above a threshold and the page
says so, and a page costs the same number of queries either way."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import estimates, queues
from dossiers.constants import OPEN_STATES, Status
from procedures.calendar import WorkingCalendar
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db

STATES = (
    Status.SUBMITTED,
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
    Status.RESULT_READY,
    Status.RETURNED,
    Status.REFUSED,
    Status.DRAFT,
)


@pytest.fixture
def ward():
    a, b = two_wards()
    a.d = {s: a.dossier_built(s) for s in STATES}
    b.d = {s: b.dossier_built(s) for s in STATES}
    return a


def _listed(user, name):
    scope = queues.official_scope(user)
    page = queues.dossier_list_for_queue(scope=scope, filters=queues.Filters(queue=name), size=500)
    return len(page.rows)


def _counts(user):
    scope = queues.official_scope(user)
    return queues.queue_counts(scope, queues.queues_for(scope))


def test_exact_counts_below_the_threshold(ward):
    for official in (ward.receptionist, ward.specialist, ward.leader):
        counts = _counts(official)
        assert counts.estimated == frozenset()
        for name, number in counts.items():
            assert number == _listed(official, name), (official, name)
    # Finished dossiers (returned, refused) are in "all" and nowhere else.
    assert _counts(ward.leader)["all"] == len(STATES) - 1


def test_all_is_estimated_above_the_threshold_and_the_others_stay_exact(ward, settings):
    settings.BACKOFFICE_EXACT_COUNT_BELOW = 1
    for official in (ward.receptionist, ward.specialist, ward.leader):
        counts = _counts(official)
        assert counts.estimated == {"all"}
        assert counts["all"] >= 1  # the planner never estimates 0 rows
        # Counting the open states only loses nothing from the other tabs.
        for name, number in counts.items():
            if name != "all":
                assert number == _listed(official, name), (official, name)


@pytest.mark.parametrize("use_tally", [True, False])
def test_the_open_tabs_read_only_open_dossiers(ward, settings, use_tally):
    """From the queue tally (dossiers.tally, tested in test_queue_tally.py), or where
    it does not apply, from one aggregate over the open states only."""
    settings.BACKOFFICE_EXACT_COUNT_BELOW = 1
    settings.QUEUE_TALLY = use_tally
    scope = queues.official_scope(ward.leader)
    names, calendar = queues.queues_for(scope), WorkingCalendar.load()
    with CaptureQueriesContext(connection) as ctx:
        counts = queues.queue_counts(scope, names, calendar=calendar)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 2
    assert sql[0].startswith("EXPLAIN")
    assert ('FROM "dossiers_queuetally"' in sql[1]) == use_tally
    if use_tally:
        assert counts["waiting"] == 2 and counts["approval"] == 1
        return
    where = sql[1].rsplit(" WHERE ", 1)[1]
    listed = set(re.findall(r"'(\w+)'", where.split("IN (", 1)[1].split(")", 1)[0]))
    assert listed == set(OPEN_STATES)


def test_the_estimate_is_rounded_to_two_significant_digits(ward, settings, monkeypatch):
    settings.BACKOFFICE_EXACT_COUNT_BELOW = 10_000
    monkeypatch.setattr(estimates, "estimated_count", lambda qs: 83_456)
    assert _counts(ward.leader)["all"] == 83_000
    monkeypatch.setattr(estimates, "estimated_count", lambda qs: 9_999)
    counts = _counts(ward.leader)
    assert counts.estimated == frozenset()
    assert counts["all"] == len(STATES) - 1


@pytest.mark.parametrize(
    ("number", "shown"), [(7, 7), (99, 99), (123, 120), (10_450, 10_000), (995_000, 1_000_000)]
)
def test_about(number, shown):
    assert queues.round_estimate(number) == shown


def _tab(html, name):
    match = re.search(rf'href="\?hang-doi={name}".*?</a>', html, re.S)
    assert match, name
    return match.group(0)


def test_the_page_says_when_a_count_is_an_estimate(client, settings, monkeypatch):
    world = World()
    for _ in range(3):
        world.dossier_built(Status.RECEIVED)
    force_login_verified(client, world.leader)
    client.get("/mot-cua/")

    def page():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/mot-cua/?hang-doi=all").content.decode()
        return html, len(ctx.captured_queries)

    exact, exact_queries = page()
    assert "≈" not in _tab(exact, "all")
    assert re.search(r'bo-tabs__count">3<', _tab(exact, "all"))

    # The real planner call: the estimate costs no more queries than the exact count
    # (the planner is asked either way; the exact number rides in the same aggregate).
    settings.BACKOFFICE_EXACT_COUNT_BELOW = 1
    estimate, estimate_queries = page()
    assert estimate_queries == exact_queries
    assert "≈" in _tab(estimate, "all")
    # Only "all" is ever estimated.
    assert "≈" not in _tab(estimate, "waiting")

    monkeypatch.setattr(estimates, "estimated_count", lambda qs: 123_456)
    tab = _tab(page()[0], "all")
    assert '<span aria-hidden="true">≈</span>' in tab
    assert re.search(r'class="visually-hidden">[^<]+</span> 120000<', tab)
    assert 'title="' in tab
