import pytest

from tests.indicators.dataset import build


@pytest.fixture
def data(db, fake_pdf):
    """The fixed data set of tests/indicators/dataset.py."""
    return build()
