import pytest

from tests.dossiers.factories import World


@pytest.fixture
def world(db):
    return World()
