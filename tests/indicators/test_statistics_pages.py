"""The back-office statistics pages: who sees what, the figures, the drill-down, the
export, bad input and a bounded number of queries."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from identity.constants import OfficialRole
from tests.helpers import force_login_verified
from tests.identity.factories import make_official

# One worker builds the data set (conftest.py) once for the module (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("indicators_statistics_pages")]

URL = "/mot-cua/thong-ke/"
DRILL = "/mot-cua/thong-ke/ho-so/"
MARCH = {"tu": "2026-03-01", "den": "2026-03-31"}


def client_for(user):
    return force_login_verified(Client(), user)


def test_a_leader_sees_the_figures_of_the_ward(data):
    response = client_for(data.world.leader).get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert data.ward.name in page
    assert "75.0%" in page or "75,0%" in page
    assert "<svg" in page
    assert "stats-na" in page  # a component without data says so


def test_the_city_overseer_sees_every_ward(data):
    overseer = make_official(OfficialRole.SPECIALIST, data.city.code)
    overseer.user_permissions.add(Permission.objects.get(codename="view_city_statistics"))
    response = client_for(overseer).get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert data.ward.name in page and data.ward2.name in page


def test_an_agency_admin_of_the_city_sees_the_units_below(data):
    admin = make_official(OfficialRole.AGENCY_ADMIN, data.city.code)
    response = client_for(admin).get(URL, {**MARCH, "co-quan": data.ward2.code})
    assert response.status_code == 200
    assert response.context["report"].figures.counts["received"] == 1


def test_an_official_of_another_agency_gets_404(data):
    response = client_for(data.w2.leader).get(URL, {**MARCH, "co-quan": data.ward.code})
    assert response.status_code == 404
    response = client_for(data.w2.leader).get(
        DRILL, {**MARCH, "co-quan": data.ward.code, "chi-so": "received"}
    )
    assert response.status_code == 404
    # Without a choice the leader of W2 sees W2 only.
    response = client_for(data.w2.leader).get(URL, MARCH)
    assert response.context["report"].figures.counts["received"] == 1


def test_a_specialist_has_no_statistics(data):
    response = client_for(data.world.specialist).get(URL, MARCH)
    assert response.status_code == 403


def test_the_drill_down_lists_the_dossiers_behind_a_figure(data):
    client = client_for(data.world.leader)
    response = client.get(DRILL, {**MARCH, "co-quan": data.ward.code, "chi-so": "finished_late"})
    assert response.status_code == 200
    assert [d.pk for d in response.context["page"].rows] == [data.D3.pk]
    response = client.get(DRILL, {**MARCH, "co-quan": data.ward.code, "chi-so": "received"})
    assert len(response.context["page"].rows) == 9
    response = client.get(DRILL, {**MARCH, "co-quan": data.ward.code, "chi-so": "transfer_late"})
    assert [d.pk for d in response.context["page"].rows] == [data.D12.pk]
    response = client.get(
        DRILL, {**MARCH, "co-quan": data.ward.code, "chi-so": "supplement_repeat"}
    )
    assert [d.pk for d in response.context["page"].rows] == [data.D13.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"tu": "2026-02-30", "den": "2026-03-31"},
        {"tu": "2026-03-31", "den": "2026-03-01"},
        {"ky": "century"},
    ],
)
def test_bad_periods_answer_400_with_the_reason(data, query):
    response = client_for(data.world.leader).get(URL, query)
    assert response.status_code == 400
    assert response.context["error"]


def test_bad_drill_down_input_answers_400(data):
    client = client_for(data.world.leader)
    assert client.get(DRILL, {**MARCH, "chi-so": "nonsense"}).status_code == 400
    assert client.get(DRILL, {**MARCH, "chi-so": "received", "thu-tuc": "x"}).status_code == 400
    assert client.get(URL, {**MARCH, "co-quan": "không-có"}).status_code == 404


def test_the_export_is_a_workbook(data):
    response = client_for(data.world.leader).get(URL, {**MARCH, "xuat": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_the_page_costs_a_bounded_number_of_queries(data):
    from indicators import memo

    client = client_for(data.world.leader)
    client.get(URL, MARCH)
    # The figures read afresh, not those remembered since the last refresh.
    memo.forget()
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, MARCH)
    few = len(queries)
    from tests.procedures.factories import AgencyFactory

    for _ in range(5):
        AgencyFactory(parent=data.ward)
    memo.forget()
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, MARCH)
    assert len(queries) == few
    assert few <= 25
    # Remembered: only what is not read from the summaries (the session, the tree, the
    # scope, the feedback, the index edition).
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, MARCH)
    assert len(queries) < few


def test_the_figures_are_remembered_until_the_next_refresh(data):
    """The summaries change only when a refresh rewrites them; each refresh forgets
    what was remembered (a summary row changed behind its back stays unseen until then)."""
    import datetime as dt

    from django.db.models import F

    from indicators import refresh
    from indicators.models import MonthlyStat
    from tests.indicators.dataset import moment

    client = client_for(data.world.leader)

    def received():
        response = client.get(URL, MARCH)
        n = response.context["report"].figures.counts["received"]
        # The table drawn from the summary is kept rendered as long as the figures.
        assert f'chi-so=received">{n}</a>' in response.content.decode()
        return n

    def api_received():
        body = Client().get(
            "/api/v1/statistics/agencies/", {"from": "2026-03-01", "to": "2026-03-31"}
        )
        return next(a for a in body.json()["agencies"] if a["code"] == data.ward.code)["received"]

    assert received() == 9 and api_received() == 9
    row = MonthlyStat.objects.filter(month=dt.date(2026, 3, 1), receiving_agency_id=data.ward.pk)
    row.filter(pk=row.order_by("pk")[0].pk).update(received=F("received") + 100)
    assert received() == 9 and api_received() == 9
    # A day rewritten (without its month's roll-up, which would undo the change above).
    refresh.refresh_day(dt.date(2026, 3, 2), now=moment(2026, 4, 15, 9, 0), roll_up=False)
    assert received() == 109 and api_received() == 109
    # The month's roll-up is a refresh too.
    refresh.rollup_month(dt.date(2026, 3, 1))
    assert received() == 9 and api_received() == 9


# The drill-down as it was read before `DossierFact`: from the dossiers and their log,
# the rules of the refresh restated as filters. The facts must list the same dossiers.
def _log_ids(action, data, start, end):
    from dossiers.models import DossierLog

    entries = DossierLog.objects.filter(action=action, created_at__gte=start, created_at__lt=end)
    for key, value in data.items():
        if key == "_on_time":
            entries = entries.exclude(data__timeliness__in=["early", "late"])
        elif key == "_not_late":
            entries = entries.exclude(data__timeliness="late")
        else:
            entries = entries.filter(**{f"data__{key}": value})
    return entries.values("dossier_id")


def _from_the_log(metric, period, agency_ids, procedure_id=None):
    from django.db.models import Q

    from dossiers.constants import Action
    from dossiers.models import Dossier
    from indicators.refresh import day_bounds
    from procedures.constants import ChannelMethod

    start, end = day_bounds(period.start)[0], day_bounds(period.end)[1]
    logged = {
        "finished": (Action.RETURN_RESULT, {}),
        "finished_early": (Action.RETURN_RESULT, {"timeliness": "early"}),
        "finished_on_time": (Action.RETURN_RESULT, {"_on_time": True}),
        "finished_late": (Action.RETURN_RESULT, {"timeliness": "late"}),
        "refused": (Action.REFUSE, {}),
        "withdrawn": (Action.WITHDRAW, {}),
        "stopped": (Action.STOP, {}),
        "supplement_on_time": (
            Action.REQUEST_SUPPLEMENT,
            {"phase": "processing", "_not_late": True},
        ),
        "supplement_late": (Action.REQUEST_SUPPLEMENT, {"timeliness": "late"}),
        "supplement_repeat": (Action.REQUEST_SUPPLEMENT, {"repeat": True}),
        "apology_on_time": (Action.APOLOGISE, {"_not_late": True}),
        "apology_late": (Action.APOLOGISE, {"timeliness": "late"}),
        "transfer_on_time": (Action.ASSIGN, {"transfer": "on_time"}),
        "transfer_late": (Action.ASSIGN, {"transfer": "late"}),
    }
    qs = Dossier.objects.all()
    if agency_ids is not None:
        ids = list(agency_ids)
        qs = qs.filter(Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids))
    if procedure_id:
        qs = qs.filter(version__procedure_id=procedure_id)
    if metric in logged:
        qs = qs.filter(pk__in=_log_ids(*logged[metric], start, end))
    else:
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
        if metric == "paper_received":
            qs = qs.exclude(channel=ChannelMethod.ONLINE)
    return list(qs.order_by("-pk").values_list("pk", flat=True))


def _every_page(metric, period, agency_ids, **filters):
    from indicators import drilldown

    ids, after = [], None
    while True:
        page = drilldown.dossiers_behind(
            metric, period=period, agency_ids=agency_ids, after=after, **filters
        )
        ids += [d.pk for d in page.rows]
        if page.next_after is None:
            return ids
        assert page.next_after == ids[-1]
        after = page.next_after


def test_the_drill_down_through_the_facts_lists_what_the_log_does(data, monkeypatch):
    import datetime as dt

    from indicators import drilldown
    from indicators.periods import Period

    # Pages of two, so the keyset is walked too.
    monkeypatch.setattr(drilldown, "PAGE", 2)
    ward = {data.ward.pk}
    periods = [
        Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        Period(dt.date(2026, 2, 1), dt.date(2026, 3, 31)),
        Period(dt.date(2026, 3, 3), dt.date(2026, 3, 5)),
        Period(dt.date(2026, 2, 13), dt.date(2026, 2, 25)),
    ]
    scopes = [ward, {data.ward2.pk}, {data.ward.pk, data.ward2.pk, data.city.pk}, None]
    counted = 0
    for metric, (how, _label) in drilldown.METRICS.items():
        if how[0] == "open":
            continue
        for period in periods:
            for scope in scopes:
                expected = _from_the_log(metric, period, scope)
                assert _every_page(metric, period, scope) == expected, (metric, period, scope)
                counted += len(expected)
        expected = _from_the_log(metric, periods[1], None, data.world.procedure.pk)
        listed = _every_page(metric, periods[1], None, procedure_id=data.world.procedure.pk)
        assert listed == expected, metric
    assert counted > 100
