import pytest


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the test settings give every xdist worker
    its own Redis database, so this never touches development data)."""
    from django.core.cache import cache

    cache.clear()
    yield
