"""The demo dossiers of seed_demo: every state, real services, valid chains, once."""

import io

import pytest
from django.core.management import call_command

from dossiers.constants import Status
from dossiers.demo import DEMO_CITIZEN, DEMO_DOSSIERS, DEMO_PASSWORD, seed_dossiers
from dossiers.models import Dossier, DossierLog, Payment, Rating, StoredFile
from identity.demo import seed_accounts
from procedures.demo import seed as seed_catalogue
from tests.helpers import rolled_back_after
from tests.procedures.test_demo import data_dir, write_demo_data  # noqa: F401 - fixture

# The demo walks the real services; its forms are not laid out as PDF (not read here).
# One worker runs the module, so that the demo is seeded once for TestTheSeededDemo.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fake_pdf"),
    pytest.mark.xdist_group("demo_dossiers"),
]


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory, fake_pdf_for_module):
    """The demo seeded once for the tests of a class, which read it or seed it again."""
    with rolled_back_after(django_db_blocker):
        seed_accounts(password=DEMO_PASSWORD)
        seed_catalogue(data_dir=write_demo_data(tmp_path_factory.mktemp("demo")))
        yield seed_dossiers()


class TestTheSeededDemo:
    def test_demo_citizen_has_a_dossier_in_every_state(self, seeded):
        assert seeded == len(DEMO_DOSSIERS)
        mine = Dossier.objects.filter(applicant__username=DEMO_CITIZEN)
        states = set(mine.values_list("status", flat=True))
        assert states == set(Status.values) - {Status.DISCARDED}
        returned = Dossier.objects.filter(applicant__username=DEMO_CITIZEN, status=Status.RETURNED)
        assert Rating.objects.filter(dossier__in=returned).count() == returned.count()
        waiting = Payment.objects.filter(dossier__status=Status.AWAITING_PAYMENT, status="pending")
        assert waiting.exists()
        # Codes at the two demo agencies, where the demo officials hold roles.
        codes = Dossier.objects.exclude(code=None).values_list("code", flat=True)
        assert {c.split("-")[0] for c in codes} == {"000.00.11.H29", "000.20.01.H29"}

    def test_verify_dossier_log_passes_on_the_demo_data(self, seeded):
        out = io.StringIO()
        call_command("verify_dossier_log", stdout=out)
        assert "every chain intact" in out.getvalue()
        assert DossierLog.objects.count() > len(DEMO_DOSSIERS) * 2

    def test_a_second_seed_adds_nothing(self, seeded):
        counts = (Dossier.objects.count(), DossierLog.objects.count(), StoredFile.objects.count())

        assert seed_dossiers() == 0

        assert (
            Dossier.objects.count(),
            DossierLog.objects.count(),
            StoredFile.objects.count(),
        ) == counts


def test_every_demo_dossier_has_its_own_key():
    from dossiers.demo import demo_key

    keys = [demo_key(state, proc, user) for state, proc, _agency, user in DEMO_DOSSIERS]
    assert len(keys) == len(set(keys))


def test_a_partly_seeded_database_is_completed(data_dir, monkeypatch):  # noqa: F811
    from dossiers import demo
    from dossiers.demo import DEMO_MARKER, demo_key

    seed_accounts(password=DEMO_PASSWORD)
    seed_catalogue(data_dir=data_dir)
    monkeypatch.setattr(demo, "DEMO_DOSSIERS", DEMO_DOSSIERS[:5])
    assert seed_dossiers() == 5
    first = set(Dossier.objects.values_list("pk", "status", "updated_at"))

    monkeypatch.setattr(demo, "DEMO_DOSSIERS", DEMO_DOSSIERS)
    assert seed_dossiers() == len(DEMO_DOSSIERS) - 5

    # The first five are untouched; every demo dossier now exists exactly once.
    assert first <= set(Dossier.objects.values_list("pk", "status", "updated_at"))
    keys = sorted(Dossier.objects.values_list(f"form_data__{DEMO_MARKER}", flat=True))
    assert keys == sorted(demo_key(s, p, u) for s, p, _a, u in DEMO_DOSSIERS)
    out = io.StringIO()
    call_command("verify_dossier_log", stdout=out)
    assert "every chain intact" in out.getvalue()
    assert seed_dossiers() == 0


def test_a_database_seeded_before_the_markers_is_left_alone(data_dir):  # noqa: F811
    seed_accounts(password=DEMO_PASSWORD)
    seed_catalogue(data_dir=data_dir)
    seed_dossiers()

    # What an old seed left: the same dossiers without the marker.
    Dossier.objects.update(form_data={})
    count = Dossier.objects.count()

    assert seed_dossiers() == 0
    assert Dossier.objects.count() == count
