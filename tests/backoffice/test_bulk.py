"""Bulk actions on a queue: each ticked dossier goes through its service in its own
transaction, and the report says per row: done, refused (why) or changed meanwhile."""

import uuid

import pytest

from dossiers import services
from dossiers.constants import Status
from dossiers.models import Dossier
from dossiers.services import bulk
from tests.backoffice.worlds import two_wards
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def _tick(*dossiers, seen=None):
    return [f"{d.ref}.{seen or d.status}" for d in dossiers]


def _post(client, *args, **kwargs):
    """A bulk action, followed to its report (post/redirect/get)."""
    return client.post(*args, follow=True, **kwargs)


def _outcomes(response):
    html = response.content.decode()
    rows = html.split('data-outcome="')[1:]
    return [row.split('"', 1)[0] for row in rows], html


@pytest.fixture
def wards():
    return two_wards()


def test_bulk_receive_reports_done_and_changed_meanwhile(client, wards):
    a, _b = wards
    one, two, taken = (a.dossier_in(Status.SUBMITTED) for _ in range(3))
    seen = _tick(one, two, taken)
    # Another receptionist received `taken` after the page was shown.
    services.dossier_receive(dossier_id=taken.pk, actor=a.receptionist)
    force_login_verified(client, a.receptionist)

    response = _post(
        client, "/mot-cua/hang-loat/?hang-doi=receive", {"action": "receive", "dossier": seen}
    )

    outcomes, html = _outcomes(response)
    assert response.status_code == 200
    assert outcomes == ["done", "done", "changed"]
    assert "Đã tiếp nhận" in html or "Tiếp nhận" in html
    for d in (one, two):
        d.refresh_from_db()
        assert d.status == Status.RECEIVED and d.due_at is not None
    assert taken.log.filter(action="receive").count() == 1  # nothing of ours written


def test_a_change_between_the_read_and_the_lock_is_reported_as_changed(client, wards, monkeypatch):
    a, _b = wards
    d = a.dossier_in(Status.SUBMITTED)
    real = services.dossier_receive

    def someone_else_first(*, dossier_id, actor, note=""):
        real(dossier_id=dossier_id, actor=a.receptionist)  # the other desk wins the race
        return real(dossier_id=dossier_id, actor=actor, note=note)

    # Where the bulk service looks the desk's receipt up.
    monkeypatch.setattr(bulk, "dossier_receive", someone_else_first)
    force_login_verified(client, a.receptionist)
    response = _post(client, "/mot-cua/hang-loat/", {"action": "receive", "dossier": _tick(d)})
    assert _outcomes(response)[0] == ["changed"]
    assert d.log.filter(action="receive").count() == 1


def test_bulk_assign_to_a_specialist(client, wards):
    a, _b = wards
    one, two = a.dossier_built(Status.RECEIVED), a.dossier_built(Status.RECEIVED)
    force_login_verified(client, a.leader)
    response = _post(
        client,
        "/mot-cua/hang-loat/?hang-doi=all",
        {"action": "assign", "dossier": _tick(one, two), "assignee": a.specialist.pk},
    )
    assert _outcomes(response)[0] == ["done", "done"]
    assert set(
        Dossier.objects.filter(pk__in=[one.pk, two.pk]).values_list("status", "assignee")
    ) == {(Status.PROCESSING, a.specialist.pk)}


def test_assign_to_someone_who_is_not_a_specialist_here_writes_nothing(client, wards):
    a, b = wards
    d = a.dossier_built(Status.RECEIVED)
    force_login_verified(client, a.leader)
    for assignee in (b.specialist.pk, a.receptionist.pk, "", "x"):
        response = _post(
            client,
            "/mot-cua/hang-loat/",
            {"action": "assign", "dossier": _tick(d), "assignee": assignee},
        )
        assert response.status_code == 400
        assert "Chọn chuyên viên" in response.content.decode()
    d.refresh_from_db()
    assert d.status == Status.RECEIVED and d.assignee is None


def test_state_and_role_refusals_say_why(client, wards):
    a, _b = wards
    received, submitted = a.dossier_built(Status.RECEIVED), a.dossier_in(Status.SUBMITTED)
    force_login_verified(client, a.receptionist)
    # Receiving a dossier that is already received (and was, when the page was shown).
    response = _post(
        client, "/mot-cua/hang-loat/", {"action": "receive", "dossier": _tick(received)}
    )
    assert _outcomes(response)[0] == ["refused"]
    # A specialist may not receive.
    force_login_verified(client, a.specialist)
    response = _post(
        client, "/mot-cua/hang-loat/", {"action": "receive", "dossier": _tick(submitted)}
    )
    outcomes, html = _outcomes(response)
    assert outcomes == ["refused"]
    assert "Vai trò của bạn không cho phép" in html
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_another_agencys_dossier_and_forged_ids_are_refused_without_a_hint(client, wards):
    a, b = wards
    theirs = b.dossier_in(Status.SUBMITTED)
    force_login_verified(client, a.receptionist)
    response = _post(
        client,
        "/mot-cua/hang-loat/",
        {
            "action": "receive",
            "dossier": [*_tick(theirs), f"{uuid.uuid4()}.submitted", "not-a-ref.x"],
        },
    )
    outcomes, html = _outcomes(response)
    assert outcomes == ["refused", "refused"]
    assert theirs.code not in html
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED


def test_nothing_ticked_or_unknown_action(client, wards):
    a, _b = wards
    force_login_verified(client, a.receptionist)
    response = client.post("/mot-cua/hang-loat/", {"action": "receive"})
    assert response.status_code == 400
    assert "Hãy đánh dấu ít nhất một hồ sơ" in response.content.decode()
    assert client.post("/mot-cua/hang-loat/", {"action": "approve"}).status_code == 404
    assert client.get("/mot-cua/hang-loat/").status_code == 405


def test_anonymous_and_citizens_are_turned_away(client, wards):
    a, _b = wards
    d = a.dossier_in(Status.SUBMITTED)
    data = {"action": "receive", "dossier": _tick(d)}
    response = client.post("/mot-cua/hang-loat/", data)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    client.force_login(UserFactory())
    assert client.post("/mot-cua/hang-loat/", data).status_code == 403
    d.refresh_from_db()
    assert d.status == Status.SUBMITTED


def test_queue_page_offers_checkboxes_and_the_right_actions(client, wards):
    a, _b = wards
    d = a.dossier_in(Status.SUBMITTED)
    force_login_verified(client, a.receptionist)
    html = client.get("/mot-cua/?hang-doi=receive").content.decode()
    assert f'value="{d.ref}.submitted"' in html
    assert 'value="receive"' in html
    force_login_verified(client, a.specialist)
    html = client.get("/mot-cua/?hang-doi=mine").content.decode()
    assert 'name="dossier"' not in html  # nothing a specialist may do in bulk


def test_the_report_is_a_page_of_its_own_and_reloading_it_acts_again_on_nothing(client, wards):
    a, _b = wards
    d = a.dossier_in(Status.SUBMITTED)
    force_login_verified(client, a.receptionist)
    response = client.post(
        "/mot-cua/hang-loat/?hang-doi=receive", {"action": "receive", "dossier": _tick(d)}
    )
    assert response.status_code == 302
    report = response["Location"]
    assert "/mot-cua/hang-loat/ket-qua/" in report

    for _ in range(2):  # a reload shows the same report and does nothing more
        outcomes, html = _outcomes(client.get(report))
        assert outcomes == ["done"]
        assert "?hang-doi=receive" in html  # back to the same queue
    assert d.log.filter(action="receive").count() == 1


def test_an_old_or_someone_elses_report_is_not_shown(client, wards):
    a, b = wards
    d = a.dossier_in(Status.SUBMITTED)
    force_login_verified(client, a.receptionist)
    report = client.post("/mot-cua/hang-loat/", {"action": "receive", "dossier": _tick(d)})[
        "Location"
    ]
    other = force_login_verified(type(client)(), b.receptionist)
    response = other.get(report, follow=True)
    assert response.redirect_chain[0][0].endswith("/mot-cua/")
    assert "không còn được lưu" in response.content.decode()
    assert d.code not in response.content.decode().split("bo-tabs")[0]


def test_an_overdue_dossier_is_refused_until_the_apology(client, wards):
    """The apology rule of the workbench holds in bulk too (one selector for both)."""
    import datetime as dt

    from django.utils import timezone

    a, _b = wards
    late, on_time = a.dossier_in(Status.RECEIVED), a.dossier_in(Status.RECEIVED)
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    force_login_verified(client, a.leader)
    response = _post(
        client,
        "/mot-cua/hang-loat/?hang-doi=overdue",
        {"action": "assign", "dossier": _tick(late, on_time), "assignee": a.specialist.pk},
    )
    outcomes, html = _outcomes(response)
    assert outcomes == ["refused", "done"]
    assert "mẫu 04" in html
    late.refresh_from_db()
    assert late.status == Status.RECEIVED and late.assignee is None


def test_the_service_reports_per_dossier_in_the_order_given(wards):
    a, b = wards
    mine, theirs = a.dossier_in(Status.SUBMITTED), b.dossier_in(Status.SUBMITTED)
    results = services.dossier_bulk_apply(
        actor=a.receptionist,
        action="receive",
        refs={theirs.ref: None, mine.ref: Status.SUBMITTED},
    )
    assert [(r.ref, r.outcome) for r in results] == [
        (str(theirs.ref), services.BulkOutcome.REFUSED),
        (str(mine.ref), services.BulkOutcome.DONE),
    ]
    assert results[0].code == "—"  # no hint of another agency's dossier
