"""config.cache: one redis.Redis per connection pool, and it still behaves as a cache."""

from django.core.cache import cache


def test_every_cache_call_uses_the_same_client_object():
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool


def test_reads_and_writes_go_through():
    cache.set("motcua:test:client", {"a": 1}, 30)
    assert cache.get("motcua:test:client") == {"a": 1}
    assert cache.get_many(["motcua:test:client", "motcua:test:none"]) == {
        "motcua:test:client": {"a": 1}
    }
    cache.delete("motcua:test:client")
    assert cache.get("motcua:test:client") is None


def test_a_count_in_a_window_starts_at_one_and_expires_with_the_window():
    cache.delete("motcua:test:hits")
    assert [cache.incr_in_window("motcua:test:hits", 30) for _ in range(3)] == [1, 2, 3]
    assert cache.get("motcua:test:hits") == 3
    ttl = cache._cache.get_client().ttl(cache.make_key("motcua:test:hits"))
    assert 0 < ttl <= 30
    cache.delete("motcua:test:hits")
