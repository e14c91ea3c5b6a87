"""Officials' daily digest (and the no-spam rule), citizens' reminders, the weekly
summary per agency: content, once per period, safe to run twice."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail

from dossiers import outbox, services
from dossiers.constants import Status
from notifications import digests
from notifications import services as notify_services
from notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(month, day, hour=9):
    return time_machine.travel(dt.datetime(2027, month, day, hour, tzinfo=TZ), tick=False)


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_daily_digest_lists_new_due_soon_and_overdue_once(world):
    with at(3, 1):  # Monday 1 March 2027
        late = world.dossier_in(Status.PROCESSING)  # due Thursday 4 March
    with at(3, 4):
        soon = world.dossier_in(Status.PROCESSING)  # due Tuesday 9 March
    with at(3, 8, 8):
        new = world.dossier_in(Status.SUBMITTED)
        outbox.sweep()
    mail.outbox.clear()  # the applicant's own emails

    with at(3, 8, 12):
        sent = digests.send_daily_digests()
        again = digests.send_daily_digests()  # beat twice, or a second worker
    assert (sent, again) == (3, 0)

    desk = mails_to(world.receptionist)
    assert len(desk) == 1
    body = desk[0].body
    new_part, _, rest = body.partition("Sắp đến hạn")
    assert new.code in new_part and late.code not in new_part
    assert soon.code in rest and late.code in rest.partition("Quá hạn")[2]
    assert "/mot-cua/" in body

    specialist = mails_to(world.specialist)[0].body
    assert soon.code in specialist  # assigned to them today ("mine") and due soon
    assert len(mails_to(world.leader)) == 1
    assert mails_to(world.applicant) == []  # digests are for officials


def test_no_digest_when_nothing_to_say_or_when_they_chose_otherwise(world):
    with at(3, 1):
        world.dossier_in(Status.SUBMITTED)
    notify_services.preference_save(
        user=world.receptionist, citizen_channel="email", official_email="immediate", language="vi"
    )
    with at(3, 1, 16):
        digests.send_daily_digests()
    assert mails_to(world.receptionist) == []  # gets each event instead, no digest
    assert mails_to(world.specialist) == []  # nothing new, due soon or overdue


def test_digest_in_english_for_those_who_chose_it(world):
    notify_services.preference_save(
        user=world.receptionist, citizen_channel="email", official_email="digest", language="en"
    )
    with at(3, 1):
        new = world.dossier_in(Status.SUBMITTED)
        digests.send_daily_digests()
    (message,) = mails_to(world.receptionist)
    assert "New in your queues" in message.body and new.code in message.body


def test_reminders_at_most_once_a_day_while_a_supplement_is_awaited(world):
    with at(3, 1):
        dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
        assert digests.send_citizen_reminders() == 0  # asked today: no reminder yet
    with at(3, 2, 10):
        assert digests.send_citizen_reminders() == 1
        assert digests.send_citizen_reminders() == 0
        outbox.sweep()
    with at(3, 3, 10):
        assert digests.send_citizen_reminders() == 1
        outbox.sweep()
    reminders = Notification.objects.filter(user=world.applicant, kind="reminder")
    assert reminders.count() == 2
    assert {n.dossier_id for n in reminders} == {dossier.pk}
    assert not Notification.objects.filter(kind="reminder").exclude(user=world.applicant)


def test_a_supplement_asked_at_the_desk_is_reminded_too(world):
    with at(3, 1):
        dossier = world.dossier_in(Status.SUBMITTED)
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.receptionist, note="Thiếu chữ ký"
        )
        assert digests.send_citizen_reminders() == 0
    with at(3, 2, 10):
        assert digests.send_citizen_reminders() == 1
        outbox.sweep()
    assert Notification.objects.filter(user=world.applicant, kind="reminder").count() == 1


def test_weekly_summary_to_the_leaders_once_a_week(world):
    with at(3, 1):
        world.dossier_in(Status.RETURNED)
        open_one = world.dossier_in(Status.PROCESSING)
    with at(3, 8, 7):
        assert digests.send_weekly_summaries() == 1
        assert digests.send_weekly_summaries() == 0
    (message,) = mails_to(world.leader)
    assert world.agency.name in message.subject
    assert open_one.code in message.body
    assert "100%" in message.body  # the returned dossier was finished on time
    assert mails_to(world.specialist) == mails_to(world.receptionist) == []
    summary = digests.agency_summary(world.agency, now=dt.datetime(2027, 3, 8, tzinfo=TZ))
    assert (summary["open"], summary["finished"], summary["on_time"]) == (1, 1, 1)
