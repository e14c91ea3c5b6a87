"""The transition table's refusals: every (state, action) pair the table does not hold
and every wrong role is refused and writes nothing. They start from dossiers built in
their state by the factory (`dossier_built`, the same rows as the services' walk:
tests/dossiers/test_factories.py), since a refusal reads only the state and the people;
the allowed edges walk the services (test_workflow.py)."""

import pytest

from dossiers.constants import Status
from dossiers.workflow import TRANSITIONS, TransitionNotAllowed
from tests.dossiers.factories import World
from tests.dossiers.test_workflow import CALLS, FORBIDDEN, _snapshot
from tests.helpers import rolled_back_after

# One xdist worker writes `built` once for the module.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("workflow_refusals")]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """One world and one dossier built in each state, written once for the refusal
    tests of this module and rolled back after them: a refusal reads only the state
    and the people, and each test checks that it wrote nothing (what it would have
    written is undone after it all the same: its transaction is a savepoint)."""
    with rolled_back_after(django_db_blocker):
        world = World()
        yield world, {state: world.dossier_built(state) for state in Status.values}


@pytest.fixture
def refusal(db, built):
    return built


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_pairs_are_refused_and_write_nothing(refusal, state, action):
    world, dossiers = refusal
    dossier = dossiers[state]
    who, call = CALLS[action]
    before = _snapshot(dossier.pk)

    with pytest.raises(TransitionNotAllowed):
        call(world, dossier.pk, getattr(world, who))

    assert _snapshot(dossier.pk) == before


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_wrong_roles_are_refused_and_write_nothing(refusal, state, action):
    world, dossiers = refusal
    dossier = dossiers[state]
    _, call = CALLS[action]
    edge = TRANSITIONS[(state, action)]
    people = {
        "applicant": world.applicant,
        "receptionist": world.receptionist,
        "specialist": world.specialist,
        "leader": world.leader,
    }
    wrong = [p for role, p in people.items() if role not in edge.roles] + [world.other]
    before = _snapshot(dossier.pk)
    for person in wrong:
        with pytest.raises(TransitionNotAllowed):
            call(world, dossier.pk, person)
    assert _snapshot(dossier.pk) == before
