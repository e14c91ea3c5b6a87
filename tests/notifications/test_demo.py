import pytest
from django.core.management import call_command

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_notifications_for_the_demo_accounts():
    call_command("seed_demo", quiet=True)
    mine = Notification.objects.filter(user__username="congdan")
    assert mine.filter(kind="received").exists() and mine.filter(kind="result_ready").exists()
    assert Notification.objects.filter(user__username="tiepnhan.phuong", kind="submitted").exists()
    assert not Notification.objects.filter(user__username="congdan", kind="assigned").exists()
    count = Notification.objects.count()
    call_command("seed_demo", quiet=True)  # again: nothing more
    assert Notification.objects.count() == count
