import pytest

from tests.indicators.dataset import build


@pytest.fixture
def data(db, fake_pdf):
    """The fixed data set of tests/indicators/dataset.py."""
    return build()


@pytest.fixture(autouse=True)
def shipped_index(request):
    """The edition the data migration ships; a transactional test elsewhere (the browser
    tests) flushes the tables, migration data included, on a reused test database."""
    if request.node.get_closest_marker("django_db") is None:
        return
    import importlib

    from django.apps import apps

    from indicators.models import IndexVersion

    request.getfixturevalue("db")
    if not IndexVersion.objects.exists():
        importlib.import_module("indicators.migrations.0002_index_766_defaults").create(apps, None)
