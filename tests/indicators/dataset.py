"""A small fixed data set whose every figure is computed by hand in the tests.

The city (C) has two wards: W (the World's agency, procedure due in 3 working days,
online) and W2. Times are Vietnam time, 2026. Most dossiers walk the real services at
mocked times, so the log rows carry exactly the data the services write; the two
paper dossiers are built by the factory (their log rows are at the real "now",
outside the periods the tests read).

W, March 2026:
  D1  online, received Mon 2 Mar 09:00, due Thu 5 Mar; returned Wed 4 Mar -> early, 2 days
  D2  received 2 Mar, returned Thu 5 Mar 16:00 -> on time, 3 days
  D3  received 2 Mar, apology Wed 4 Mar (on time, new date Fri 6 Mar),
      returned Mon 9 Mar -> late, 5 days
  D5  received 2 Mar, supplement asked Tue 3 Mar (on time), answered Fri 6 Mar (clock
      restarted, 3 working days paused), returned Tue 10 Mar -> early, 6 - 3 = 3 days
  D6  direct (paper), received 10 Mar, digitised, in progress, due 30 Apr -> on time
  D7  postal (paper), received 11 Mar, not digitised, due 12 Mar -> overdue
  D8  submitted 3 Mar, refused 3 Mar (never received)
  D9  submitted 3 Mar, withdrawn 4 Mar (never received)
  D10 received 2 Mar, stopped Thu 5 Mar
  D12 received Mon 2 Mar 16:00 (after the cut-off), assigned Tue 3 Mar 14:00 -> late
      transfer; in progress, due Fri 6 Mar -> overdue
  D13 received 2 Mar; apology Wed 4 Mar (on time, new date Fri 13 Mar); supplement
      asked Mon 9 Mar (late), answered Tue 10 Mar, asked
      again by the leader Wed 11 Mar (late, repeated): waiting -> in progress, on time
  Ratings (Thu 12 Mar): D1 5, D2 4, D3 2. Payments: D1 online (4 Mar), D2 cash (5 Mar).
W, February 2026:
  D4  received Fri 13 Feb 10:00, across Tết (14-22 Feb off), due Wed 25 Feb; returned
      25 Feb 10:00 -> on time, 3 working days (12 calendar days)
W2, March 2026:
  D11 received 2 Mar, returned 4 Mar -> early, 2 days; rated 3 on 12 Mar.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from unittest import mock

from dossiers import services
from dossiers.constants import Status
from dossiers.models import DossierDocument, Payment, Rating
from identity.constants import OfficialRole
from indicators import refresh
from procedures.constants import ChannelMethod
from tests.dossiers.factories import StoredFileFactory, World, pdf
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory

VN = dt.timezone(dt.timedelta(hours=7))


def at(*args):
    return mock.patch("django.utils.timezone.now", return_value=dt.datetime(*args, tzinfo=VN))


def moment(*args):
    return dt.datetime(*args, tzinfo=VN)


def rate(world, dossier, overall):
    from dossiers.evaluation import CRITERIA, EvaluationMoment

    scores = dict.fromkeys(CRITERIA[EvaluationMoment.RESULT], 4)
    scores["overall"] = overall
    services.dossier_rate(
        dossier_id=dossier.pk,
        actor=dossier.applicant,
        moment=EvaluationMoment.RESULT,
        scores=scores,
    )


def _ready_then_return(world, when_ready, when_returned):
    with at(*when_ready):
        d = world.dossier_in(Status.RESULT_READY)
    with at(*when_returned):
        services.dossier_return_result(dossier_id=d.pk, actor=world.receptionist)
    return d


class SecondWard:
    """W2 with its own officials, filing the World's procedure."""

    def __init__(self, world, agency):
        self.__dict__.update(world.__dict__)
        self.agency = agency
        self.receptionist = make_official(OfficialRole.RECEPTIONIST, agency.code)
        self.specialist = make_official(OfficialRole.SPECIALIST, agency.code)
        self.leader = make_official(OfficialRole.LEADER, agency.code)
        world.procedure.executing_agencies.add(agency)

    draft = World.draft
    complete_draft = World.complete_draft
    dossier_in = World.dossier_in


def ensure_shipped_index():
    """The edition the data migration ships; a transactional test elsewhere (the browser
    tests) flushes the tables, migration data included, on a reused test database."""
    import importlib

    from django.apps import apps

    from indicators.models import IndexVersion

    if not IndexVersion.objects.exists():
        importlib.import_module("indicators.migrations.0002_index_766_defaults").create(apps, None)


def build():
    """The data set, refreshed into the summary (the caller provides the database and
    the `fake_pdf` fixture)."""
    city = AgencyFactory(code="000.00.00.H29", name="Ủy ban nhân dân Thành phố", kind="city")
    world = World()
    world.agency.parent = city
    world.agency.save()
    ward2 = AgencyFactory(code="000.00.32.H29", name="Ủy ban nhân dân phường Sài Gòn", parent=city)
    w2 = SecondWard(world, ward2)
    d = {}

    with at(2026, 2, 13, 10, 0):
        d4 = world.dossier_in(Status.RESULT_READY)
    with at(2026, 2, 25, 10, 0):
        services.dossier_return_result(dossier_id=d4.pk, actor=world.receptionist)
    d["D4"] = d4

    d["D1"] = _ready_then_return(world, (2026, 3, 2, 9, 0), (2026, 3, 4, 10, 0))
    d["D2"] = _ready_then_return(world, (2026, 3, 2, 9, 0), (2026, 3, 5, 16, 0))

    with at(2026, 3, 2, 9, 0):
        d3 = world.dossier_in(Status.RESULT_READY)
    with at(2026, 3, 4, 10, 0):
        services.dossier_apologise(
            dossier_id=d3.pk,
            actor=world.specialist,
            reason="Chờ ý kiến",
            new_date=dt.date(2026, 3, 6),
        )
    with at(2026, 3, 9, 10, 0):
        services.dossier_return_result(dossier_id=d3.pk, actor=world.receptionist)
    d["D3"] = d3

    with at(2026, 3, 2, 9, 0):
        d5 = world.dossier_in(Status.PROCESSING)
    with at(2026, 3, 3, 10, 0):
        services.dossier_request_supplement(dossier_id=d5.pk, actor=world.specialist, note="Thiếu")
    with at(2026, 3, 6, 10, 0):
        services.dossier_supplement(dossier_id=d5.pk, actor=world.applicant, uploads=[pdf()])
    with at(2026, 3, 6, 11, 0):
        services.dossier_propose(dossier_id=d5.pk, actor=world.specialist)
        services.dossier_approve(dossier_id=d5.pk, actor=world.leader, result_upload=pdf("kq.pdf"))
    with at(2026, 3, 10, 10, 0):
        services.dossier_return_result(dossier_id=d5.pk, actor=world.receptionist)
    d["D5"] = d5

    d6 = world.dossier_built(
        "processing",
        channel=ChannelMethod.DIRECT,
        at=moment(2026, 3, 10, 9, 0),
        due_at=moment(2026, 4, 30, 17, 0),
    )
    DossierDocument.objects.create(
        dossier=d6, file=StoredFileFactory(owner=d6.applicant), digitised=True
    )
    d["D6"] = d6
    d["D7"] = world.dossier_built(
        "received",
        channel=ChannelMethod.POSTAL,
        at=moment(2026, 3, 11, 9, 0),
        due_at=moment(2026, 3, 12, 17, 0),
    )

    with at(2026, 3, 3, 9, 0):
        d["D8"] = world.dossier_in(Status.REFUSED)
        d9 = world.dossier_in(Status.SUBMITTED)
    with at(2026, 3, 4, 9, 0):
        services.dossier_withdraw(dossier_id=d9.pk, actor=world.applicant, reason="Nộp nhầm")
    d["D9"] = d9

    with at(2026, 3, 2, 9, 0):
        d10 = world.dossier_in(Status.PROCESSING)
    with at(2026, 3, 5, 9, 0):
        services.dossier_stop(dossier_id=d10.pk, actor=world.specialist, reason="Không đủ")
    d["D10"] = d10

    with at(2026, 3, 2, 16, 0):
        d12 = world.dossier_in(Status.RECEIVED)
    with at(2026, 3, 3, 14, 0):
        services.dossier_assign(
            dossier_id=d12.pk, actor=world.receptionist, assignee=world.specialist
        )
    d["D12"] = d12

    with at(2026, 3, 2, 9, 0):
        d13 = world.dossier_in(Status.PROCESSING)
    with at(2026, 3, 4, 11, 0):
        services.dossier_apologise(
            dossier_id=d13.pk, actor=world.specialist, reason="Chờ", new_date=dt.date(2026, 3, 13)
        )
    with at(2026, 3, 9, 10, 0):
        services.dossier_request_supplement(dossier_id=d13.pk, actor=world.specialist, note="x")
    with at(2026, 3, 10, 10, 0):
        services.dossier_supplement(dossier_id=d13.pk, actor=world.applicant, uploads=[pdf()])
    with at(2026, 3, 11, 10, 0):
        services.dossier_request_supplement(
            dossier_id=d13.pk, actor=world.leader, note="y", role="leader", confirmation="Sai"
        )
    d["D13"] = d13

    d["D11"] = _ready_then_return(w2, (2026, 3, 2, 9, 0), (2026, 3, 4, 10, 0))

    with at(2026, 3, 12, 9, 0):
        rate(world, d["D1"], 5)
        rate(world, d["D2"], 4)
        rate(world, d["D3"], 2)
        rate(world, d["D11"], 3)
    # The model's default took the real clock (a default is bound at import).
    Rating.objects.update(created_at=moment(2026, 3, 12, 9, 0))
    Payment.objects.create(
        dossier=d["D1"], purpose="fee", amount=10000, status="paid",
        paid_at=moment(2026, 3, 4, 9, 0), gateway="vnpay", reference="TK-1",
    )  # fmt: skip
    Payment.objects.create(
        dossier=d["D2"], purpose="fee", amount=10000, status="paid",
        paid_at=moment(2026, 3, 5, 9, 0), gateway="cash", reference="TK-2",
    )  # fmt: skip

    refresh.refresh(dt.date(2026, 2, 1), dt.date(2026, 3, 31), now=moment(2026, 4, 15, 9, 0))
    for dossier in d.values():
        dossier.refresh_from_db()
    return SimpleNamespace(world=world, city=city, ward=world.agency, ward2=ward2, w2=w2, **d)
