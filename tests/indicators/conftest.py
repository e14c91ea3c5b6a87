import copy

import pytest

from tests.helpers import rolled_back_after
from tests.indicators.dataset import build, ensure_shipped_index


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker, fake_pdf_for_module):
    """The fixed data set of tests/indicators/dataset.py, built once for the module (it
    walks the real services, the slow part) and rolled back after its last test. The
    tests that use it should share one xdist worker (`pytest.mark.xdist_group`)."""
    with rolled_back_after(django_db_blocker):
        ensure_shipped_index()
        yield build()


@pytest.fixture
def data(db, dataset, fake_pdf):
    """The data set for one test: what the test writes is undone after it (its
    transaction is a savepoint in the module's), and its objects are copies, so that a
    `refresh_from_db` in one test does not show its writes to the next."""
    return copy.deepcopy(dataset)


@pytest.fixture(autouse=True)
def shipped_index(request):
    """Every database test starts with the shipped edition of the index."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    ensure_shipped_index()
