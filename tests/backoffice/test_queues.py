"""The queues: the right dossiers per role and agency, counts, filters, keyset pages,
htmx partial, a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import queues
from dossiers.constants import Status
from dossiers.models import Dossier
from identity.constants import OfficialRole
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _queue(user, name, **filters):
    scope = queues.official_scope(user)
    page = queues.dossier_list_for_queue(
        scope=scope, filters=queues.Filters(queue=name, **filters), size=500
    )
    return {d.pk for d in page.rows}


@pytest.fixture
def wards():
    a, b = two_wards()
    states = (
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.AWAITING_APPROVAL,
        Status.SUPPLEMENT_REQUESTED,
        Status.AWAITING_PAYMENT,
        Status.RESULT_READY,
        Status.RETURNED,
        Status.DRAFT,
    )
    a.d = {s: a.dossier_built(s) for s in states}
    b.d = {s: b.dossier_built(s) for s in states}
    return a, b


def test_each_queue_holds_exactly_its_dossiers(wards):
    a, b = wards
    d = a.d
    assert _queue(a.receptionist, "receive") == {d[Status.SUBMITTED].pk}
    assert _queue(a.receptionist, "ready") == {d[Status.RESULT_READY].pk}
    assert _queue(a.specialist, "mine") == {
        d[s].pk
        for s in (
            Status.PROCESSING,
            Status.AWAITING_APPROVAL,
            Status.SUPPLEMENT_REQUESTED,
            Status.AWAITING_PAYMENT,
        )
    }
    assert _queue(a.leader, "approval") == {d[Status.AWAITING_APPROVAL].pk}
    assert _queue(a.leader, "waiting") == {
        d[Status.SUPPLEMENT_REQUESTED].pk,
        d[Status.AWAITING_PAYMENT].pk,
    }
    # Drafts never reached the agency.
    assert _queue(a.leader, "all") == {x.pk for s, x in d.items() if s != Status.DRAFT}
    # A receptionist of ward A never sees ward B's dossiers, in any queue.
    b_pks = {x.pk for x in b.d.values()}
    for name in queues.QUEUES:
        for official in (a.receptionist, a.specialist, a.leader):
            assert not _queue(official, name) & b_pks, (name, official)
    # Roles matter: the desk has no approval queue content, the specialist no intake.
    assert _queue(a.receptionist, "approval") == set()
    assert _queue(a.specialist, "receive") == set()


def test_due_soon_and_overdue(wards, settings):
    settings.BACKOFFICE_DUE_SOON_DAYS = 2
    a, _b = wards
    now = timezone.now()
    late, soon, later = a.d[Status.PROCESSING], a.d[Status.RECEIVED], a.d[Status.AWAITING_APPROVAL]
    Dossier.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=3))
    Dossier.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(minutes=5))
    Dossier.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=30))
    # Paused dossiers are not late: their clock does not run.
    Dossier.objects.filter(pk=a.d[Status.SUPPLEMENT_REQUESTED].pk).update(
        due_at=now - dt.timedelta(days=3)
    )

    assert late.pk in _queue(a.leader, "overdue")
    assert a.d[Status.SUPPLEMENT_REQUESTED].pk not in _queue(a.leader, "overdue")
    assert soon.pk in _queue(a.leader, "due_soon")
    assert later.pk not in _queue(a.leader, "due_soon") | _queue(a.leader, "overdue")
    assert _queue(a.leader, "all", due="overdue") == _queue(a.leader, "overdue")
    scope = queues.official_scope(a.leader)
    counts = queues.queue_counts(scope, queues.queues_for(scope))
    for name, count in counts.items():
        assert count == len(_queue(a.leader, name)), name


def test_filters_and_search(wards):
    a, _b = wards
    target = a.d[Status.RECEIVED]
    assert _queue(a.leader, "all", q=target.code) == {target.pk}
    assert _queue(a.leader, "all", q=target.code[:5]) >= {target.pk}
    # Accent-insensitive search on the applicant's name.
    assert target.pk in _queue(a.leader, "all", q="pham thu")
    assert _queue(a.leader, "all", q="Không Có Ai") == set()
    assert _queue(a.leader, "all", status=Status.RETURNED) == {a.d[Status.RETURNED].pk}
    assert _queue(a.leader, "all", procedure=a.procedure.pk) == _queue(a.leader, "all")
    assert _queue(a.leader, "all", channel="postal") == set()


def test_queue_page_lists_rows_with_time_left_in_words(client, wards):
    a, b = wards
    force_login_verified(client, a.receptionist)

    html = client.get("/mot-cua/?hang-doi=all").content.decode()

    assert a.d[Status.RECEIVED].code in html
    assert b.d[Status.RECEIVED].code not in html
    assert "ngày làm việc" in html  # time left is written, not only coloured
    assert "Phạm Thu Hà" in html
    assert "Chờ tiếp nhận" in html  # the desk's intake tab


def test_htmx_request_gets_the_list_only(client, wards):
    a, _b = wards
    force_login_verified(client, a.receptionist)

    response = client.get("/mot-cua/?hang-doi=receive", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-list"')
    assert a.d[Status.SUBMITTED].code in html
    assert "<html" not in html


def test_official_without_membership_of_a_known_agency_sees_empty_queues(client):
    official = make_official(OfficialRole.LEADER, agency_code="000.00.99.H29")
    force_login_verified(client, official)
    response = client.get("/mot-cua/")
    assert response.status_code == 200
    assert "Không có hồ sơ nào" in response.content.decode()


def _many(world, n):
    for _ in range(n):
        world.dossier_built(Status.RECEIVED)


def _spread_due_dates():
    """Ties, distinct dates and NULLs, so the keyset meets all three."""
    base = timezone.now() + dt.timedelta(days=1)
    for i, pk in enumerate(Dossier.objects.order_by("pk").values_list("pk", flat=True)):
        due = None if i % 7 == 0 else base + dt.timedelta(hours=i % 5)
        Dossier.objects.filter(pk=pk).update(due_at=due)


def _walk_all_tab(official, *, size: int, queue: str = "all") -> list[int]:
    """Every page of a tab ("all" unless told), following the cursors: the ids in order."""
    scope = queues.official_scope(official)
    seen, after = [], None
    while True:
        page = queues.dossier_list_for_queue(
            scope=scope, filters=queues.Filters(queue=queue), after=after, size=size
        )
        seen += [d.pk for d in page.rows]
        if not page.next_cursor:
            return seen
        after = page.next_cursor


def test_keyset_pages_have_no_duplicates_and_no_gaps():
    world = World()
    _many(world, 23)
    _spread_due_dates()
    seen = _walk_all_tab(world.leader, size=4)
    expected = list(
        Dossier.objects.exclude(status=Status.DRAFT)
        .order_by(F("due_at").asc(nulls_last=True), "pk")  # the queue's order
        .values_list("pk", flat=True)
    )
    assert len(seen) == len(set(seen)) == 23
    assert seen == expected


def test_queue_page_costs_the_same_number_of_queries_at_any_size(client):
    world = World()
    _many(world, 5)
    force_login_verified(client, world.leader)
    client.get("/mot-cua/?hang-doi=all")  # warm the session

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count("/mot-cua/?hang-doi=all")
    _many(world, 35)
    _spread_due_dates()
    assert count("/mot-cua/?hang-doi=all") == small
    # A name search is one more condition on the same queries (dossiers.queues.name_q).
    assert count("/mot-cua/?hang-doi=all&q=ph%E1%BA%A1m") == small


def test_queue_page_uses_a_fixed_query_budget(client, django_assert_max_num_queries):
    world = World()
    _many(world, 5)
    force_login_verified(client, world.leader)
    client.get("/mot-cua/")
    # The user, the session's second factor, the memberships (read once for the gate,
    # the scope and the header), the page, the "all" tab's estimate, the tab counts and
    # the specialists to assign to: 7 (the memberships are read once, the filter lists
    # and the calendar's overrides come from the cache).
    with django_assert_max_num_queries(7):
        client.get("/mot-cua/?hang-doi=all")


def test_an_overdue_row_says_an_apology_is_needed(client, wards):
    """Overdue dossiers show in the leader's and the desk's queues with
    "apology needed" (the apology moves the appointment, so every overdue row needs one)."""
    import datetime as dt

    from django.utils import timezone

    from dossiers.models import Dossier

    a, _b = wards
    late = a.d[Status.PROCESSING]
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=10))
    force_login_verified(client, a.leader)

    html = client.get("/mot-cua/?hang-doi=overdue").content.decode()

    assert late.code in html
    assert "cần xin lỗi và hẹn lại ngày trả kết quả" in html


def _builder(scope, filters):
    def build(state=None):
        return queues.filtered_queryset(scope=scope, filters=filters, state=state)

    return build


def test_the_all_tab_merges_both_sides_of_several_agencies_in_the_plain_order():
    """The default tab picks its page from one index scan per (side, agency) and merges
    them (queues.page_ids): the pages must be exactly those of the plain query, with
    dossiers received by one agency and decided by another, ties and missing dates."""
    import random

    from identity.models import OfficialMembership

    a, b = two_wards()
    for world in (a, b):
        _many(world, 14)
    outsider = AgencyFactory(code="000.00.33.H29")  # not the official's
    filed = list(Dossier.objects.exclude(status=Status.DRAFT).order_by("pk"))
    rng = random.Random(8)
    base = timezone.now()
    for dossier in filed:
        dossier.receiving_agency = rng.choice([a.agency, b.agency, outsider])
        dossier.competent_agency = rng.choice([a.agency, b.agency, outsider])
        dossier.due_at = (
            None if rng.random() < 0.15 else base + dt.timedelta(hours=rng.randint(0, 6))
        )
    Dossier.objects.bulk_update(filed, ["receiving_agency", "competent_agency", "due_at"])
    official = a.leader
    OfficialMembership.objects.create(user=official, agency=b.agency, role=OfficialRole.LEADER)

    seen = _walk_all_tab(official, size=5)

    mine = {a.agency.pk, b.agency.pk}
    expected = [
        d.pk
        for d in sorted(filed, key=lambda d: (d.due_at is None, d.due_at or base, d.pk))
        if d.receiving_agency_id in mine or d.competent_agency_id in mine
    ]
    assert len(expected) < len(filed)  # the outsider's own dossiers stay out
    assert seen == expected


def test_the_mine_tab_merges_its_states_in_the_plain_order():
    """ "Assigned to me" picks its page from one index scan per state and merges them
    (queues.page_ids): exactly the plain query's pages, with ties and missing dates."""
    world = World()
    states = (
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.AWAITING_PAYMENT,
        Status.AWAITING_APPROVAL,
        Status.RECEIVED,  # not assigned: not in the tab
    )
    for i in range(15):
        world.dossier_built(states[i % len(states)])
    _spread_due_dates()

    seen = _walk_all_tab(world.specialist, size=4, queue="mine")

    expected = list(
        Dossier.objects.filter(assignee=world.specialist, status__in=queues.ACTIVE_FOR_ASSIGNEE)
        .order_by(F("due_at").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 12
    assert Dossier.objects.filter(due_at=None, pk__in=expected).exists()
    assert seen == expected
    # Each part names its one state, not the tab's list: with the list in the condition
    # PostgreSQL reads every row of the state and sorts.
    scope = queues.official_scope(world.specialist)
    mine = queues.Filters(queue="mine")
    merged = queues.page_ids(_builder(scope, mine), mine, scope, 5)
    assert merged.sql.count("UNION") == len(queues.ACTIVE_FOR_ASSIGNEE) - 1
    assert '"status" IN' not in merged.sql
    # ... and checks the agencies in a form the planner does not take for a rare
    # combination (otherwise it reads every row of the state and sorts).
    assert merged.sql.count("CASE WHEN") == len(queues.ACTIVE_FOR_ASSIGNEE)
    # Another order, or one state chosen, is the plain query (nothing to merge).
    for filters in (
        queues.Filters(queue="mine", sort="received"),
        queues.Filters(queue="mine", status=Status.PROCESSING),
    ):
        assert "UNION" not in str(
            queues.page_ids(_builder(scope, filters), filters, scope, 5).query
        )


def test_the_all_tab_reads_each_side_in_index_order():
    world = World()
    _many(world, 3)
    scope = queues.official_scope(world.leader)
    filters = queues.Filters(queue="all")
    ids = queues.page_ids(_builder(scope, filters), filters, scope, queues.PAGE_SIZE + 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # A few rows in a test table: without this the planner may sort them instead.
        cursor.execute("SET LOCAL enable_sort = off")
        plan = Dossier.objects.filter(pk__in=ids).explain()

    assert "dossier_recv_filed" in plan
    assert "dossier_comp_filed" in plan
