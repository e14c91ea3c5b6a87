"""The outbox tells the sender of the answer, the leaders of new feedback and the
assignee of their assignment, through the notification centre."""

import pytest
from django.core import mail
from django.utils import timezone

from dossiers import outbox
from feedback import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def inbox(user):
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


def test_the_sender_hears_of_the_answer(world, send):
    world.applicant.email_verified_at = timezone.now()
    world.applicant.save()
    item = send()
    outbox.sweep()
    assert inbox(world.leader) == ["feedback_received"]
    assert inbox(world.applicant) == ["feedback_received"]
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.specialist)
    outbox.sweep()
    assert inbox(world.specialist) == ["feedback_assigned"]
    assert inbox(world.applicant) == ["feedback_received"]  # internal step
    mail.outbox.clear()
    services.feedback_answer(feedback_id=item.pk, actor=world.specialist, answer="Đã xử lý.")
    outbox.sweep()
    assert inbox(world.applicant) == ["feedback_received", "feedback_answered"]
    note = Notification.objects.filter(user=world.applicant).latest("pk")
    assert note.link == f"/phan-anh/{item.ref}/" and note.dossier is None
    assert item.code in note.title
    assert [m.to for m in mail.outbox] == [[world.applicant.email]]
    assert f"/phan-anh/{item.ref}/" in mail.outbox[0].body
    assert inbox(world.other) == [] and "feedback_answered" not in inbox(world.specialist)


def test_closing_tells_the_sender(world, send):
    item = send()
    services.feedback_close(feedback_id=item.pk, actor=world.leader, reason="Trùng lặp")
    outbox.sweep()
    assert "feedback_closed" in inbox(world.applicant)
