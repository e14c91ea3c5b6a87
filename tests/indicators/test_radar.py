"""The bottleneck radar on the fixed data set of radar_data.py, against figures computed
by hand: counts, waits and time used per state, agency and official; the longest
waiting in order with why; structural bottlenecks; scope; the leader's actions."""

import copy
import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from dossiers.constants import Action, Status, Visibility
from dossiers.models import DossierLog
from identity.constants import OfficialRole
from indicators import memo, radar, radar_refresh, selectors
from procedures.calendar import WorkingCalendar
from tests.helpers import force_login_verified, rolled_back_after
from tests.identity.factories import make_official
from tests.indicators.dataset import at, ensure_shipped_index
from tests.indicators.radar_data import NOW, assigned_dossier, build

# One worker builds the module's data set once (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("indicators_radar")]
URL = "/mot-cua/diem-nghen/"


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker, fake_pdf_for_module):
    """radar_data.py's data set, built once for the module and rolled back after it."""
    with rolled_back_after(django_db_blocker):
        ensure_shipped_index()
        yield build()


@pytest.fixture
def data(db, dataset, fake_pdf):
    """Copies of the data set's objects for one test, whose writes its savepoint undoes."""
    return copy.deepcopy(dataset)


def client_for(user):
    return force_login_verified(Client(), user)


def _radar(data, ids):
    return radar.radar(selectors.agency_tree(), ids, now=NOW, calendar=WorkingCalendar.load())


def codes(page):
    return [w.dossier.code for w in page.rows]


def test_counts_waits_and_time_used_per_state(data):
    tables = _radar(data, {data.ward.pk}).tables
    total = tables["total"]
    assert (total.n, total.overdue) == (5, 2)
    assert dict(zip(radar.TIME_USED, total.buckets, strict=True)) == {
        "used_lt50": 1,  # B: 1 of 3 working days used
        "used_50_80": 1,  # A: 2 of 3
        "used_80_100": 0,
        "overdue": 2,  # C, F
        "clock_stopped": 1,  # E: waiting for the supplement
    }
    states = {line.key: line for line in tables["states"]}
    assert {k: v.n for k, v in states.items()} == {
        Status.RECEIVED: 1,
        Status.PROCESSING: 2,
        Status.AWAITING_APPROVAL: 1,
        Status.SUPPLEMENT_REQUESTED: 1,
    }
    # B waited 1 working day, C 7 (Mon 2 -> Wed 11): 8 / 2.
    assert (states[Status.PROCESSING].wait_avg, states[Status.PROCESSING].wait_max) == (4.0, 7)
    assert states[Status.PROCESSING].overdue == 1
    assert (
        states[Status.AWAITING_APPROVAL].wait_max,
        states[Status.AWAITING_APPROVAL].overdue,
    ) == (
        3,
        1,
    )
    assert [line.key for line in tables["states"]] == [
        Status.RECEIVED,
        Status.PROCESSING,
        Status.AWAITING_APPROVAL,
        Status.SUPPLEMENT_REQUESTED,
    ]
    assert [(line.key, line.n, line.overdue) for line in tables["agencies"]] == [
        (data.ward.pk, 5, 2)
    ]


def test_an_officials_load_against_the_agency_median(data):
    officials = _radar(data, {data.ward.pk}).tables["officials"]
    # Minh holds B, C, E, F (the specialist stays answerable while the applicant or the
    # leader is awaited); Hoa holds nothing: the median of (4, 0) is 2, of (2, 0) is 1.
    assert [(o.label, o.n, o.overdue) for o in officials] == [("Minh", 4, 2)]
    minh = officials[0]
    assert (minh.peers_median_n, minh.peers_median_overdue) == (2, 1)
    assert minh.heavy


def test_the_longest_waiting_in_order_with_why(data):
    page = _radar(data, {data.ward.pk}).waiting
    assert codes(page) == [data.C.code, data.F.code, data.A.code, data.B.code, data.E.code]
    c, f, a, b, e = page.rows
    # Since the assignment (Mon 2 10:00), not the later question to W2 (a note).
    assert c.since == dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    assert (c.waited, c.overdue, c.holder) == (7, True, "Minh")
    assert [x.consulted_agency_id for x in c.consultations] == [data.ward2.pk]
    assert c.entries[0].action == Action.CONSULT
    assert c.reassign == Action.FORWARD
    assert (f.waited, f.overdue, f.holder) == (3, True, str(radar.HOLDER_LABELS[f.dossier.status]))
    assert (a.transfer_late, a.reassign, a.waited) == (True, Action.ASSIGN, 2)
    assert (b.waited, b.overdue, b.transfer_late) == (1, False, False)
    assert e.supplement_note == "Thiếu bản sao sổ đỏ"
    assert e.waited == 0 and e.reassign == ""
    assert "Minh" in e.holder


def test_the_list_is_keyset_paginated(data):
    tree = selectors.agency_tree()
    calendar = WorkingCalendar.load()
    first = radar.longest_waiting({data.ward.pk}, now=NOW, calendar=calendar, size=2)
    second = radar.longest_waiting(
        {data.ward.pk}, now=NOW, calendar=calendar, size=2, after=first.next_cursor
    )
    third = radar.longest_waiting(
        {data.ward.pk}, now=NOW, calendar=calendar, size=2, after=second.next_cursor
    )
    assert codes(first) + codes(second) + codes(third) == codes(
        radar.radar(tree, {data.ward.pk}, now=NOW).waiting
    )
    assert third.next_cursor is None


def test_scope_of_each_leader_and_of_the_overseer(data):
    tree = selectors.agency_tree()
    w2 = radar.scope_ids(tree, selectors.statistics_scope(data.w2.leader, tree), None)
    assert codes(_radar(data, w2).waiting) == [data.G.code]
    assert _radar(data, w2).tables["total"].n == 1
    overseer = make_official(OfficialRole.SPECIALIST, data.city.code)
    overseer.user_permissions.add(Permission.objects.get(codename="view_city_statistics"))
    scope = selectors.statistics_scope(overseer, tree)
    city = radar.scope_ids(tree, scope, None)
    assert city is None
    found = _radar(data, city)
    assert codes(found.waiting) == [
        data.C.code,
        data.F.code,
        data.A.code,
        data.G.code,
        data.B.code,
        data.E.code,
    ]
    assert found.tables["total"].n == 6
    # A leader of the city sees the units below.
    city_leader = make_official(OfficialRole.LEADER, data.city.code)
    ids = radar.scope_ids(tree, selectors.statistics_scope(city_leader, tree), None)
    assert len(_radar(data, ids).waiting.rows) == 6


def test_structural_bottlenecks_from_the_returned_dossiers(data):
    tree = selectors.agency_tree()
    found = radar.structural_bottlenecks(tree, {data.ward.pk}, today=NOW.date())
    assert [(b.role, b.dossiers, b.over, b.actual_avg, b.allotted_avg) for b in found] == [
        ("Chuyên viên xử lý", 4, 3, 1.8, 1.5)  # 7 working days / 4 dossiers = 1.75
    ]
    # Ninety days later they are history.
    assert not radar.structural_bottlenecks(
        tree, {data.ward.pk}, today=NOW.date() + dt.timedelta(days=120)
    )
    assert not radar.structural_bottlenecks(tree, {data.ward2.pk}, today=NOW.date())


def test_waiting_on_another_agency_and_late_transfers(data):
    found = _radar(data, {data.ward.pk})
    [asked] = found.others["rows"]
    # Asked Tue 3 March, reply by Fri 6: 6 working days to Wed 11.
    assert (asked.consultation.dossier_id, asked.waited, asked.past_reply_by) == (
        data.C.pk,
        6,
        True,
    )
    assert [d.pk for d in found.transfers["rows"]] == [data.A.pk]
    assert not _radar(data, {data.ward2.pk}).others["rows"]


def test_time_used_across_tet():
    """Received Fri 13 Feb 2026, 3 working days: due Tue 24 Feb after Tết (14-22 Feb).
    On Fri 13 two working days are left (23, 24): one of three used."""
    calendar = WorkingCalendar()
    common = {"status": Status.PROCESSING, "past_due": False, "calendar": calendar}
    assert (
        radar_refresh.time_used_bucket(
            due_day=dt.date(2026, 2, 24), allotted=3, today=dt.date(2026, 2, 13), **common
        )
        == "used_lt50"
    )
    assert (
        radar_refresh.time_used_bucket(
            due_day=dt.date(2026, 2, 24), allotted=3, today=dt.date(2026, 2, 23), **common
        )
        == "used_50_80"
    )
    assert (
        radar_refresh.time_used_bucket(
            due_day=dt.date(2026, 2, 24), allotted=3, today=dt.date(2026, 2, 24), **common
        )
        == "used_80_100"
    )


# --- the page ------------------------------------------------------------------------


def test_a_leader_sees_the_radar_of_the_ward_only(data):
    with at(2026, 3, 11, 10, 0):
        response = client_for(data.world.leader).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert data.C.code in page and data.A.code not in page.split(data.C.code)[0]
    assert data.G.code not in page
    assert "<svg" in page


def test_another_wards_code_is_404_and_a_specialist_is_refused(data):
    assert client_for(data.w2.leader).get(URL, {"co-quan": data.ward.code}).status_code == 404
    assert client_for(data.world.specialist).get(URL).status_code == 403


def test_the_page_costs_a_bounded_number_of_queries(data, django_assert_max_num_queries):

    client = client_for(data.world.leader)
    with at(2026, 3, 11, 10, 0):
        client.get(URL)
        # The summaries read afresh, not remembered since the last refresh.
        memo.forget()
        with django_assert_max_num_queries(30) as few:
            response = client.get(URL)
    # Counted now: the next request empties the connection's query log.
    few = len(few)
    opened = response.context["radar"].tables["total"].n
    for day in (2, 3, 4, 5, 6):
        assigned_dossier(data.world, (2026, 3, day, 9, 0), (2026, 3, day, 10, 0))
    with at(2026, 3, 11, 10, 0):
        response = client.get(URL)
    # The counts are the summary's, remembered until its next refresh; the lists live.
    assert response.context["radar"].tables["total"].n == opened
    assert len(response.context["radar"].waiting.rows) == 10
    radar_refresh.refresh_open(now=NOW)
    with at(2026, 3, 11, 10, 0), django_assert_max_num_queries(few):
        response = client.get(URL)
    assert response.context["radar"].tables["total"].n == opened + 5
    assert len(response.context["radar"].waiting.rows) == 10


def test_reassign_from_the_radar_goes_through_the_service(data):
    client = client_for(data.world.leader)
    url = f"{URL}ho-so/{data.B.ref}/phan-cong/"
    with at(2026, 3, 11, 10, 0):
        response = client.post(url, {"assignee": data.idle.pk, "trang-thai": Status.PROCESSING})
    assert response.status_code == 302 and response["Location"] == URL
    data.B.refresh_from_db()
    assert data.B.assignee == data.idle
    entry = DossierLog.objects.filter(dossier=data.B).latest("seq")
    assert (entry.action, entry.actor, entry.actor_role) == (
        Action.FORWARD,
        data.world.leader,
        OfficialRole.LEADER,
    )

    # The received dossier is assigned (the transfer, late by the 15:00 rule).
    with at(2026, 3, 11, 10, 5):
        client.post(
            f"{URL}ho-so/{data.A.ref}/phan-cong/",
            {"assignee": data.idle.pk, "trang-thai": Status.RECEIVED},
        )
    entry = DossierLog.objects.filter(dossier=data.A).latest("seq")
    assert (entry.action, entry.data["transfer"]) == (Action.ASSIGN, "late")


def test_reassign_keeps_the_services_rules(data):
    client = client_for(data.world.leader)
    # Overdue without the apology (form 04): the service refuses, nothing changes.
    with at(2026, 3, 11, 10, 0):
        response = client.post(
            f"{URL}ho-so/{data.C.ref}/phan-cong/",
            {"assignee": data.idle.pk, "trang-thai": Status.PROCESSING},
            follow=True,
        )
    assert "xin lỗi" in response.content.decode()
    data.C.refresh_from_db()
    assert data.C.assignee == data.world.specialist
    # Someone else's ward: 404, as if the dossier did not exist.
    response = client_for(data.w2.leader).post(
        f"{URL}ho-so/{data.B.ref}/phan-cong/", {"assignee": data.w2.specialist.pk}
    )
    assert response.status_code == 404
    # A state seen that is no longer the dossier's: nothing done.
    with at(2026, 3, 11, 10, 0):
        client.post(
            f"{URL}ho-so/{data.B.ref}/phan-cong/",
            {"assignee": data.idle.pk, "trang-thai": Status.RECEIVED},
        )
    data.B.refresh_from_db()
    assert data.B.assignee == data.world.specialist


def test_a_note_to_the_holder_is_an_internal_log_row(data):
    with at(2026, 3, 11, 10, 0):
        client_for(data.world.leader).post(
            f"{URL}ho-so/{data.C.ref}/ghi-chu/", {"note": "Báo cáo lý do chậm trước 15:00"}
        )
    entry = DossierLog.objects.filter(dossier=data.C).latest("seq")
    assert (entry.action, entry.visibility, entry.actor, entry.note) == (
        Action.NOTE,
        Visibility.INTERNAL,
        data.world.leader,
        "Báo cáo lý do chậm trước 15:00",
    )


def test_a_specialist_cannot_act_from_the_radar(data):
    response = client_for(data.world.specialist).post(
        f"{URL}ho-so/{data.B.ref}/phan-cong/", {"assignee": data.idle.pk}
    )
    assert response.status_code == 403
    data.B.refresh_from_db()
    assert data.B.assignee == data.world.specialist


# --- the weekly digest ---------------------------------------------------------------


def test_the_weekly_digest_goes_once_per_leader_and_week(data, mailoutbox):
    from indicators import digest
    from notifications.constants import OfficialEmail
    from notifications.services import preference_save

    data.world.leader.email = "nam@example.vn"
    data.world.leader.save()
    data.w2.leader.email = "w2@example.vn"
    data.w2.leader.save()
    quiet = make_official(OfficialRole.LEADER, data.ward.code, email="quiet@example.vn")
    preference_save(user=quiet, citizen_channel="email", official_email=OfficialEmail.NONE,
                    language="vi")  # fmt: skip

    assert digest.send_radar_digests(now=NOW) == 2
    assert digest.send_radar_digests(now=NOW) == 0
    # Later the same ISO week: still nothing; the next week: again.
    assert digest.send_radar_digests(now=NOW + dt.timedelta(days=2)) == 0
    by_to = {m.to[0]: m for m in mailoutbox}
    assert set(by_to) == {"nam@example.vn", "w2@example.vn"}
    body = by_to["nam@example.vn"].body
    assert "Radar điểm nghẽn" in by_to["nam@example.vn"].subject
    assert data.C.code in body and data.G.code not in body
    # Longest waiting first, at most five.
    assert body.index(data.C.code) < body.index(data.F.code) < body.index(data.A.code)
    assert "Chuyên viên xử lý: 3/4" in body
    assert data.G.code in by_to["w2@example.vn"].body
    assert digest.send_radar_digests(now=NOW + dt.timedelta(days=7)) == 2


def test_the_command_sends_the_digest_now(data, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_radar_digest", stdout=out)
    call_command("send_radar_digest", stdout=out)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [data.world.leader.email, data.w2.leader.email]
    )
    assert out.getvalue().splitlines() == ["Radar digests sent: 2.", "Radar digests sent: 0."]


def test_the_statistics_refresh_job_summarises_the_open_dossiers(data):
    from indicators import tasks
    from indicators.models import OpenStat

    OpenStat.objects.all().delete()
    with at(2026, 3, 11, 10, 0):
        tasks.refresh_recent()
    assert sum(OpenStat.objects.values_list("n", flat=True)) == 6


def test_the_digest_is_on_the_beat_schedule_and_registered():
    from config.celery import BEAT_SCHEDULE, app

    app.loader.import_default_modules()
    entry = BEAT_SCHEDULE["radar-weekly-digest"]
    assert entry["task"] == "indicators.radar_digests"
    assert entry["task"] in app.tasks
