"""A small fixed data set for the bottleneck radar, every figure computed by hand.

The city C has two wards: W (the World's agency) and W2. The procedure is due in 3
working days; its steps allot the desk 0.5, the specialist 1.5 and the leader 1 working
day. W has a second specialist (Hoa) holding nothing. "Now" is Wed 11 Mar 2026 10:00.

Open dossiers (state, holder, since = the transition that brought it there):
  A  W   received Mon 9 Mar 09:00, not transferred (due by Mon 9 17:00: late);
         appointment Thu 12 -> 1 working day left of 3: 67% used (50-80)
  B  W   received Tue 10 09:00, assigned to Minh Tue 10 10:00; appointment Fri 13 ->
         2 left: 33% used (<50)
  C  W   received Mon 2 09:00, assigned to Minh Mon 2 10:00, asked W2's opinion Tue 3
         (reply by Fri 6); appointment Thu 5 -> overdue; waited 7 working days
  E  W   received Wed 11 08:00, assigned 08:30, supplement asked 09:00 (clock stopped)
  F  W   received Thu 5 09:00, assigned 10:00, proposed Fri 6 09:00 (awaiting the
         leader); appointment Tue 10 -> overdue; waited 3 working days
  G  W2  received Mon 9 09:00, assigned to W2's specialist 10:00; 67% used
Longest waiting in W: C, F, A, B, E; the overseer sees G between A and B.

Returned in February (W), each received Mon 09:00 and assigned at 10:00:
  R1-R3 2 working days in processing (over the 1.5 allotted), R4 1 day (not over):
  the specialist's step is over for 3 of 4 -> a structural bottleneck; the leader's
  (0 days of 1) and the desk's (0 of 0.5) are not.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from dossiers import services
from dossiers.constants import Status
from dossiers.consultation import consultation_ask
from dossiers.models import Consultation
from identity.constants import OfficialRole
from indicators import radar_refresh, refresh
from tests.dossiers.factories import World
from tests.identity.factories import make_official
from tests.indicators.dataset import SecondWard, at, moment
from tests.procedures.factories import AgencyFactory, StepFactory

NOW = moment(2026, 3, 11, 10, 0)


def _received(world, when):
    with at(*when):
        return world.dossier_in(Status.RECEIVED)


def assigned_dossier(world, when, assigned):
    d = _received(world, when)
    with at(*assigned):
        services.dossier_assign(
            dossier_id=d.pk, actor=world.receptionist, assignee=world.specialist
        )
    return d


def _returned(world, day, processing_days_later):
    d = assigned_dossier(world, (2026, 2, day, 9, 0), (2026, 2, day, 10, 0))
    with at(2026, 2, day + processing_days_later, 10, 0):
        services.dossier_propose(dossier_id=d.pk, actor=world.specialist)
        services.dossier_approve(dossier_id=d.pk, actor=world.leader)
        services.dossier_return_result(dossier_id=d.pk, actor=world.receptionist)
    return d


def build():
    city = AgencyFactory(code="000.00.00.H29", name="Ủy ban nhân dân Thành phố", kind="city")
    world = World()
    world.agency.parent = city
    world.agency.save()
    for name, role, days in (("Tiếp nhận", "receptionist", 0.5), ("Thẩm định", "specialist", 1.5),
                             ("Phê duyệt", "leader", 1)):  # fmt: skip
        StepFactory(version=world.version, name=name, role=role, allotted_days=days)
    idle = make_official(OfficialRole.SPECIALIST, world.agency.code, full_name="Hoa")
    ward2 = AgencyFactory(code="000.00.32.H29", name="Ủy ban nhân dân phường Sài Gòn", parent=city)
    w2 = SecondWard(world, ward2)
    d = SimpleNamespace(world=world, w2=w2, city=city, ward=world.agency, ward2=ward2, idle=idle)

    # Monday 2, 9 and 16 February 2026 (Tết is 14-22 February: 16 is a day off; use 23).
    d.R1 = _returned(world, 2, 2)
    d.R2 = _returned(world, 9, 2)
    d.R3 = _returned(world, 23, 2)
    d.R4 = _returned(world, 3, 1)

    d.C = assigned_dossier(world, (2026, 3, 2, 9, 0), (2026, 3, 2, 10, 0))
    with at(2026, 3, 3, 9, 0):
        d.consultation = consultation_ask(
            dossier_id=d.C.pk,
            actor=world.specialist,
            consulted_agency=ward2,
            question="Xin ý kiến về ranh giới thửa đất",
            reply_by=dt.date(2026, 3, 6),
        )
    # The model's default took the real clock (bound before the time was mocked).
    Consultation.objects.filter(pk=d.consultation.pk).update(asked_at=moment(2026, 3, 3, 9, 0))
    d.F = assigned_dossier(world, (2026, 3, 5, 9, 0), (2026, 3, 5, 10, 0))
    with at(2026, 3, 6, 9, 0):
        services.dossier_propose(dossier_id=d.F.pk, actor=world.specialist)
    d.A = _received(world, (2026, 3, 9, 9, 0))
    with at(2026, 3, 9, 9, 0):
        d.G = w2.dossier_in(Status.RECEIVED)
    with at(2026, 3, 9, 10, 0):
        services.dossier_assign(dossier_id=d.G.pk, actor=w2.receptionist, assignee=w2.specialist)
    d.B = assigned_dossier(world, (2026, 3, 10, 9, 0), (2026, 3, 10, 10, 0))
    d.E = assigned_dossier(world, (2026, 3, 11, 8, 0), (2026, 3, 11, 8, 30))
    with at(2026, 3, 11, 9, 0):
        services.dossier_request_supplement(
            dossier_id=d.E.pk, actor=world.specialist, note="Thiếu bản sao sổ đỏ"
        )
    for name in ("A", "B", "C", "E", "F", "G"):
        getattr(d, name).refresh_from_db()
    refresh.refresh(dt.date(2026, 2, 1), dt.date(2026, 3, 11), now=NOW)
    radar_refresh.refresh_open(now=NOW)
    return d
