"""The demo feedback of `seed_demo`: one item in each state, made once."""

import pytest
from django.core.management import call_command

from feedback.constants import Status
from feedback.demo import DEMO_FEEDBACK, seed_feedback
from feedback.models import Feedback
from tests.procedures.test_demo import data_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


def test_seed_demo_adds_feedback_in_every_state_once(settings, data_dir):  # noqa: F811
    settings.CATALOGUE_DATA_DIR = data_dir
    call_command("seed_demo", "--quiet")
    assert Feedback.objects.count() == len(DEMO_FEEDBACK)
    assert set(Feedback.objects.values_list("status", flat=True)) == set(Status.values)
    published = Feedback.objects.get(status=Status.ANSWERED)
    assert "0912000001" not in published.public_question + published.public_answer
    assert "Phạm Thu Hà" not in published.public_answer
    assert seed_feedback() == 0
