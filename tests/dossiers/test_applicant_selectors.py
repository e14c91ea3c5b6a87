"""What the dossier page offers the applicant is asked of the domain
(`dossiers.selectors.applicant_can_*`), from the workflow table."""

import pytest

from dossiers import services
from dossiers.constants import Status
from dossiers.selectors import (
    applicant_can_discard,
    applicant_can_message,
    applicant_can_rate,
    applicant_can_supplement,
    applicant_can_withdraw,
)
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db

# state -> (discard, withdraw, supplement, message, rate)
EXPECTED = {
    Status.DRAFT: (True, False, False, False, False),
    Status.SUBMITTED: (False, True, False, True, False),
    Status.SUPPLEMENT_REQUESTED: (False, True, True, True, False),
    Status.RESULT_READY: (False, False, False, True, False),
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


def test_a_dossier_is_rated_once():
    world = World()
    dossier = world.dossier_in(Status.RETURNED)
    scores = dict.fromkeys(services.RATING_CRITERIA, 5)
    services.dossier_rate(dossier_id=dossier.pk, actor=world.applicant, scores=scores)
    assert not applicant_can_rate(dossier)
