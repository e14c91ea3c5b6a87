import pytest
from django.core.management import call_command

from notifications.models import Notification
from tests.procedures.test_demo import data_dir  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_notifications_for_the_demo_accounts(
    settings,
    data_dir,  # noqa: F811
    fake_pdf,
):
    # The demo's part of the catalogue (the 2,600 names have their own tests).
    settings.CATALOGUE_DATA_DIR = data_dir
    call_command("seed_demo", quiet=True)
    mine = Notification.objects.filter(user__username="congdan")
    assert mine.filter(kind="received").exists() and mine.filter(kind="result_ready").exists()
    assert Notification.objects.filter(user__username="tiepnhan.phuong", kind="submitted").exists()
    assert not Notification.objects.filter(user__username="congdan", kind="assigned").exists()
    count = Notification.objects.count()
    call_command("seed_demo", quiet=True)  # again: nothing more
    assert Notification.objects.count() == count
