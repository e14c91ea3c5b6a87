"""`manage.py seed_demo`: accounts, catalogue, dossiers and notifications, again and again.

The catalogue is the demo's part of it (tests.procedures.test_demo.data_dir: the
national records and the names the demo uses), not the 2,600 names, whose import has
its own tests (test_import.py, test_search.py); the forms are not laid out as PDF."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from dossiers.demo import DEMO_PASSWORD
from identity.demo import DEMO_ACCOUNTS
from notifications.models import Notification
from tests.helpers import rolled_back_after
from tests.procedures.test_demo import data_dir, write_demo_data  # noqa: F401 - fixture

# One worker runs the module, so that the demo is seeded once for TestTheSeededDemo.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("demo_catalogue", "fake_pdf"),
    pytest.mark.xdist_group("seed_demo"),
]


@pytest.fixture
def demo_catalogue(settings, data_dir):  # noqa: F811
    settings.CATALOGUE_DATA_DIR = data_dir


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory, fake_pdf_for_module):
    """`seed_demo` run once for the tests of a class."""
    data = write_demo_data(tmp_path_factory.mktemp("demo"))
    with rolled_back_after(django_db_blocker), override_settings(CATALOGUE_DATA_DIR=data):
        call_command("seed_demo")
        yield


@pytest.mark.usefixtures("seeded")
class TestTheSeededDemo:
    def test_seed_demo_creates_accounts_that_can_sign_in(self, client):
        User = get_user_model()
        usernames = [a.username for a in DEMO_ACCOUNTS]
        assert User.objects.filter(username__in=usernames).count() == len(DEMO_ACCOUNTS)
        assert User.objects.get(username="admin").is_superuser
        assert not User.objects.get(username="congdan").is_staff
        assert client.login(username="tiepnhan", password=DEMO_PASSWORD)

    def test_seed_demo_is_idempotent_and_keeps_changes(self):
        User = get_user_model()
        user = User.objects.get(username="congdan")
        user.set_password("changed-by-the-user-1")
        user.save()
        call_command("seed_demo")
        assert User.objects.count() == len(DEMO_ACCOUNTS)
        user.refresh_from_db()
        assert user.check_password("changed-by-the-user-1")

    def test_seed_demo_leaves_notifications_for_the_demo_accounts(self):
        mine = Notification.objects.filter(user__username="congdan")
        assert mine.filter(kind="received").exists() and mine.filter(kind="result_ready").exists()
        assert Notification.objects.filter(
            user__username="tiepnhan.phuong", kind="submitted"
        ).exists()
        assert not Notification.objects.filter(user__username="congdan", kind="assigned").exists()
        count = Notification.objects.count()
        call_command("seed_demo", quiet=True)  # again: nothing more
        assert Notification.objects.count() == count


def test_list_accounts_prints_the_password_the_accounts_have():
    """What `make run` prints: the password is the one the demo accounts sign in with."""
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", list_accounts=True, stdout=out)
    first = out.getvalue().splitlines()[0]
    assert first == f"password for every demo account: {DEMO_PASSWORD}"
    assert DEMO_PASSWORD.strip()
