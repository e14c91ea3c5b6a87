import pytest

from tests.workers import celery_worker_factory  # noqa: F401 (a fixture for every test)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings give every xdist worker
    its own Redis database, so this never touches development data)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's admin_client (a client of its own), with the second factor
    Django admin requires."""
    from django.test import Client

    from tests.helpers import force_login_verified

    return force_login_verified(Client(), admin_user)
