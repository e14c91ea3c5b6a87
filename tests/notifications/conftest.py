import pytest
from django.utils import timezone

from dossiers import outbox
from tests.dossiers.factories import World


@pytest.fixture(autouse=True)
def _forms_not_laid_out(fake_pdf):
    """The actions issue their forms; the notifications never read them (fake_pdf)."""


@pytest.fixture
def world(db):
    w = World()
    # Confirmed contacts: messages only go to confirmed addresses.
    for user in (w.applicant, w.other):
        user.phone = f"09{user.pk:08d}"
        user.email_verified_at = user.phone_verified_at = timezone.now()
        user.save()
    return w


@pytest.fixture
def deliver():
    """Run the outbox dispatcher in this process, as a worker would after commit."""

    def run():
        return outbox.sweep()

    return run
