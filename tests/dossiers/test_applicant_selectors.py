"""What the dossier page offers the applicant is asked of the domain
(`dossiers.selectors.applicant_can_*`), from the workflow table."""

import pytest

from dossiers import services
from dossiers.constants import Status
from dossiers.evaluation import CRITERIA
from dossiers.selectors import (
    applicant_can_discard,
    applicant_can_message,
    applicant_can_rate,
    applicant_can_supplement,
    applicant_can_withdraw,
    applicant_evaluations,
)
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db

# state -> (discard, withdraw, supplement, message, rate)
EXPECTED = {
    Status.DRAFT: (True, False, False, False, False),
    Status.SUBMITTED: (False, True, False, True, False),
    # Received, then asked for a supplement: two moments to evaluate.
    Status.SUPPLEMENT_REQUESTED: (False, True, True, True, True),
    Status.RESULT_READY: (False, False, False, True, True),
    Status.RETURNED: (False, False, False, True, True),
}


@pytest.mark.parametrize("state", list(EXPECTED))
def test_what_the_applicant_may_do_in_each_state(state):
    world = World()
    dossier = world.draft() if state == Status.DRAFT else world.dossier_in(state)
    got = tuple(
        check(dossier)
        for check in (
            applicant_can_discard,
            applicant_can_withdraw,
            applicant_can_supplement,
            applicant_can_message,
            applicant_can_rate,
        )
    )
    assert got == EXPECTED[state]


def test_each_moment_is_evaluated_once():
    world = World()
    dossier = world.dossier_in(Status.RETURNED)
    assert [e.moment for e in applicant_evaluations(dossier)] == ["receipt", "result"]
    for moment in ("receipt", "result"):
        assert applicant_can_rate(dossier)
        scores = dict.fromkeys(CRITERIA[moment], 5)
        services.dossier_rate(
            dossier_id=dossier.pk, actor=world.applicant, moment=moment, scores=scores
        )
    assert not applicant_can_rate(dossier)
    assert all(e.given is not None for e in applicant_evaluations(dossier))
