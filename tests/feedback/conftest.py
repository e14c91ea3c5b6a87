import pytest

from feedback import services
from feedback.constants import Subject
from tests.dossiers.factories import World


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def send(world):
    """Feedback about the world's agency from its applicant (overridable)."""

    def make(**kw):
        kw.setdefault("sender", world.applicant)
        kw.setdefault("subject", Subject.AGENCY)
        kw.setdefault("agency", world.agency)
        kw.setdefault("title", "Thái độ tiếp dân")
        kw.setdefault("text", "Cán bộ hướng dẫn chưa rõ ràng.")
        return services.feedback_send(**kw)

    return make
