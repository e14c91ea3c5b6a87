"""`manage.py seed_demo`: accounts, catalogue, dossiers, notifications, feedback and the
statistics, again and again. The tests of the seeded demo share one seeding (a class
fixture), the slow part.

The catalogue is the demo's part of it (tests.procedures.test_demo.data_dir: the
national records and the names the demo uses), not the 2,600 names, whose import has
its own tests (test_import.py, test_search.py); the forms are not laid out as PDF."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from dossiers.demo import DEMO_PASSWORD
from feedback.constants import Status as FeedbackStatus
from feedback.demo import DEMO_FEEDBACK, seed_feedback
from feedback.models import Feedback
from identity.demo import DEMO_ACCOUNTS
from indicators.models import DailyStat
from notifications.models import Notification
from tests.helpers import force_login_verified, rolled_back_after
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

    def test_seed_demo_adds_feedback_in_every_state_once(self):
        assert Feedback.objects.count() == len(DEMO_FEEDBACK)
        assert set(Feedback.objects.values_list("status", flat=True)) == set(FeedbackStatus.values)
        published = Feedback.objects.get(status=FeedbackStatus.ANSWERED)
        assert "0912000001" not in published.public_question + published.public_answer
        assert "Phạm Thu Hà" not in published.public_answer
        assert seed_feedback() == 0

    def test_the_demo_statistics_render(self):
        """`seed_demo` refreshes the summary, a demo leader sees the page and its export,
        and /minh-bach/ shows the demo agencies."""
        assert DailyStat.objects.exists()
        leaders = get_user_model().objects.filter(official_memberships__role="leader").distinct()
        assert leaders
        for leader in leaders:
            client = force_login_verified(Client(), leader)
            for query in ({}, {"ky": "year"}, {"ky": "year", "xuat": "xlsx"}):
                assert client.get("/mot-cua/thong-ke/", query).status_code == 200
        today = timezone.localdate()
        page = Client().get("/minh-bach/", {"ky": "year"})
        assert page.status_code == 200
        assert (
            Client()
            .get(
                "/api/v1/statistics/agencies/",
                {"from": f"{today.year}-01-01", "to": f"{today.year}-12-31"},
            )
            .json()["agencies"]
        )


def test_list_accounts_prints_the_password_the_accounts_have():
    """What `make run` prints: the password is the one the demo accounts sign in with."""
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", list_accounts=True, stdout=out)
    first = out.getvalue().splitlines()[0]
    assert first == f"password for every demo account: {DEMO_PASSWORD}"
    assert DEMO_PASSWORD.strip()
