"""Events of the actions outside the state machine's `_transition`:
the apology, a consultation asked and answered. Each is written to the outbox in the
action's own transaction, and the notifications subscriber tells the right people."""

import datetime as dt

import pytest
from django.utils import timezone

from dossiers import consultation as consult
from dossiers import services
from dossiers.constants import Action, EventKind, Status
from dossiers.errors import DossierError
from dossiers.models import OutboxEvent
from notifications.rendering import render_message
from notifications.subscriber import plan_event
from tests.backoffice.worlds import two_wards
from tests.dossiers.test_documents import make_overdue, next_working_day

# Forms are issued along the way but not read here: not laid out as PDF (fake_pdf).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


def _events(dossier, kind):
    return list(OutboxEvent.objects.filter(dossier=dossier, kind=kind))


def test_apology_emits_apology_issued_to_the_applicant(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier)

    services.dossier_apologise(
        dossier_id=dossier.pk,
        actor=world.specialist,
        reason="Chờ ý kiến",
        new_date=next_working_day(),
    )

    (event,) = _events(dossier, EventKind.APOLOGY_ISSUED)
    entry = dossier.log.exclude(action=Action.DOCUMENT_WRITTEN).order_by("-seq").first()
    assert event.data["log"] == entry.pk and event.actor == world.specialist
    assert (f"user:{world.applicant.pk}", "inapp") in plan_event(event)
    assert (f"user:{world.specialist.pk}", "inapp") not in plan_event(event)
    for language, words in (("vi", "xin lỗi"), ("en", "apologised")):
        message = render_message(
            kind=event.kind,
            dossier=dossier,
            user=world.applicant,
            audience="citizen",
            language=language,
        )
        assert words in f"{message.subject} {message.body}".lower()


def test_a_refused_apology_emits_nothing(world):
    dossier = world.dossier_in(Status.PROCESSING)  # on time: no apology to make
    with pytest.raises(DossierError):
        services.dossier_apologise(
            dossier_id=dossier.pk, actor=world.specialist, reason="x", new_date=next_working_day()
        )
    assert not _events(dossier, EventKind.APOLOGY_ISSUED)


def test_consultation_asked_and_answered_reach_the_right_officials():
    a, b = two_wards()
    dossier = a.dossier_in(Status.PROCESSING)
    reply_by = timezone.localdate() + dt.timedelta(days=5)

    row = consult.consultation_ask(
        dossier_id=dossier.pk,
        actor=a.specialist,
        consulted_agency=b.agency,
        question="Có trong quy hoạch không?",
        reply_by=reply_by,
    )

    (asked,) = _events(dossier, EventKind.CONSULTED)
    assert asked.data["agency"] == b.agency.code and asked.data["consultation"] == row.pk
    planned = {uid for uid, _channel in plan_event(asked)}
    assert f"user:{b.leader.pk}" in planned
    # Neither the applicant nor the asking agency hears of an internal question.
    assert f"user:{dossier.applicant_id}" not in planned
    assert f"user:{a.leader.pk}" not in planned

    consult.consultation_answer(consultation_id=row.pk, actor=b.specialist, answer="Không.")

    (answered,) = _events(dossier, EventKind.CONSULTATION_ANSWERED)
    assert answered.data["consultation"] == row.pk
    planned = {uid for uid, _channel in plan_event(answered)}
    assert planned == {f"user:{a.specialist.pk}"}  # the assignee who asked


def test_a_refused_consultation_emits_nothing():
    a, b = two_wards()
    dossier = a.dossier_in(Status.PROCESSING)
    with pytest.raises(DossierError):
        consult.consultation_ask(
            dossier_id=dossier.pk,
            actor=a.specialist,
            consulted_agency=b.agency,
            question="  ",
            reply_by=timezone.localdate(),
        )
    assert not OutboxEvent.objects.filter(
        dossier=dossier, kind__in=[EventKind.CONSULTED, EventKind.CONSULTATION_ANSWERED]
    ).exists()
