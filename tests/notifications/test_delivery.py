"""Who hears what, on which channel, once: the "notify" subscriber of the outbox."""

import pytest
from django.core import mail
from django.db import transaction

from dossiers import outbox, services
from dossiers.constants import Status
from dossiers.models import OutboxDelivery
from identity.constants import BusinessRole, OfficialRole
from identity.models import Business, BusinessMembership
from notifications import services as notify_services
from notifications.constants import CitizenChannel, OfficialEmail
from notifications.models import Notification, SentMessage
from tests.identity.factories import UserFactory, make_official

pytestmark = pytest.mark.django_db


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_subscriber_is_registered():
    assert "notify" in outbox.registered()


def test_submission_reaches_applicant_and_the_receiving_desk_only(world, deliver):
    outsider = make_official(OfficialRole.RECEPTIONIST, "000.00.99.H29")
    world.dossier_in(Status.SUBMITTED)
    deliver()
    assert inbox(world.applicant) == ["submitted"]
    assert inbox(world.receptionist) == ["submitted"]
    assert inbox(world.specialist) == inbox(world.leader) == []
    assert inbox(world.other) == inbox(outsider) == []
    # The applicant chose email (the default) and confirmed it: one email, to them only.
    assert [m.to for m in mail.outbox] == [[world.applicant.email]]
    body = mail.outbox[0].body
    dossier = Notification.objects.get(user=world.applicant).dossier
    assert dossier.code in mail.outbox[0].subject and dossier.code in body
    assert world.procedure.name in body
    assert f"/ho-so/{dossier.ref}/" in body


def test_assignment_proposal_and_their_officials(world, deliver):
    world.dossier_in(Status.AWAITING_APPROVAL)
    deliver()
    assert "assigned" in inbox(world.specialist)
    assert "proposed" in inbox(world.leader)
    assert "proposed" not in inbox(world.specialist)  # the actor is not told
    assert "received" in inbox(world.applicant)
    assert "assigned" not in inbox(world.applicant)  # internal step


def test_supplement_goes_back_to_the_assignee(world, deliver):
    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, note="Đã bổ sung")
    deliver()
    assert "supplement_requested" in inbox(world.applicant)
    assert "supplemented" in inbox(world.specialist)
    assert "supplemented" not in inbox(world.leader)


def test_business_dossier_reaches_its_representatives_not_its_staff(world, deliver):
    business = Business.objects.create(
        enterprise_code="0312345678", name="Công ty A", legal_representative="Hà"
    )
    rep, staff = UserFactory(), UserFactory()
    for user, role in (
        (world.applicant, BusinessRole.STAFF),
        (rep, BusinessRole.REPRESENTATIVE),
        (staff, BusinessRole.STAFF),
    ):
        BusinessMembership.objects.create(business=business, user=user, role=role)
    dossier = world.draft(business=business)
    services.dossier_save_declaration(
        dossier_id=dossier.pk, actor=world.applicant, data={"full_name": "Hà"}
    )
    from tests.dossiers.factories import pdf

    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf(),
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    deliver()
    assert inbox(world.applicant) == ["submitted"]
    assert inbox(rep) == ["submitted"]
    assert inbox(staff) == []


@pytest.mark.parametrize(
    ("choice", "channels"),
    [
        (CitizenChannel.EMAIL, {"inapp", "email"}),
        (CitizenChannel.SMS, {"inapp", "sms"}),
        (CitizenChannel.NONE, {"inapp"}),
    ],
)
def test_citizen_channel_preference_is_respected(
    world, deliver, settings, tmp_path, choice, channels
):
    settings.SMS_BACKEND = "identity.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    notify_services.preference_save(
        user=world.applicant, citizen_channel=choice, official_email="digest", language="vi"
    )
    world.dossier_in(Status.SUBMITTED)
    deliver()
    planned = set(
        OutboxDelivery.objects.filter(recipient=f"user:{world.applicant.pk}").values_list(
            "channel", flat=True
        )
    )
    assert planned == channels
    assert len([m for m in mail.outbox if m.to == [world.applicant.email]]) == (
        1 if "email" in channels else 0
    )
    sms = (tmp_path / "sms.jsonl").read_text("utf-8").splitlines() if "sms" in channels else []
    assert len(sms) == (1 if "sms" in channels else 0)
    if sms:
        assert "079" not in sms[0] or world.applicant.id_number is None  # never an ID number


def test_unconfirmed_email_gets_nothing_but_the_centre(world, deliver):
    world.applicant.email_verified_at = None
    world.applicant.save()
    world.dossier_in(Status.SUBMITTED)
    deliver()
    assert inbox(world.applicant) == ["submitted"]
    assert mail.outbox == []


def test_officials_get_no_email_per_event_unless_they_choose_immediately(world, deliver):
    world.dossier_in(Status.RECEIVED)  # submitted -> receptionist; received -> applicant
    world2 = world.dossier_in(Status.SUBMITTED)
    deliver()
    assert inbox(world.receptionist).count("submitted") == 2
    assert not [m for m in mail.outbox if m.to == [world.receptionist.email]]

    notify_services.preference_save(
        user=world.receptionist,
        citizen_channel="email",
        official_email=OfficialEmail.IMMEDIATE,
        language="en",
    )
    services.dossier_withdraw(dossier_id=world2.pk, actor=world.applicant, reason="x")
    world.dossier_in(Status.SUBMITTED)
    deliver()
    to_desk = [m for m in mail.outbox if m.to == [world.receptionist.email]]
    assert len(to_desk) == 1
    assert "The dossier was submitted." in to_desk[0].body  # their language: English


def test_delivering_twice_sends_once(world, deliver):
    world.dossier_in(Status.SUBMITTED)
    deliver()
    subscriber = outbox.registered()["notify"]
    for delivery in OutboxDelivery.objects.filter(subscriber="notify"):
        subscriber.deliver(delivery)  # a redelivered task
    assert Notification.objects.filter(user=world.applicant).count() == 1
    assert len(mail.outbox) == 1
    key = SentMessage.objects.get(channel="email").key
    assert key.startswith("outbox:") and key.endswith(f":notify:user:{world.applicant.pk}:email")
    assert mail.outbox[0].extra_headers["X-MotCua-Key"] == key


@pytest.mark.django_db(transaction=True)
def test_delivered_after_commit_and_never_on_rollback(monkeypatch):
    from tests.dossiers.factories import World

    # The worker, in-process: what the on-commit trigger would start.
    monkeypatch.setattr(
        outbox, "dispatch_soon", lambda event_id=None, **kw: outbox.dispatch(event_id=event_id)
    )
    world = World()
    dossier = world.complete_draft()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        raise Boom
    assert not Notification.objects.exists()
    assert mail.outbox == []

    with transaction.atomic():
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        assert not Notification.objects.exists()  # nothing before the commit
    assert inbox(world.applicant) == ["submitted"]
    assert inbox(world.receptionist) == ["submitted"]
