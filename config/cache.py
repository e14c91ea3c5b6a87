"""Django's Redis cache with one client object per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache
call, and redis-py fills ~170 response callbacks in each constructor: about 0.1 ms
per call, paid several times by every page that reads the session, the search cache
or the catalogue filters. A `redis.Redis` holds no per-call state (connections come
from the pool, which is thread-safe), so one per pool serves every call of the
process.
"""

from django.core.cache.backends import redis as django_redis


class ReusingRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def incr_in_window(self, key: str, window: int) -> int:
        """One more hit under `key`, whose count starts at its first hit and expires
        `window` seconds later; returns the count. One atomic round trip (MULTI: SET NX
        with the expiry, INCR) where `add` then `incr` take three, and no gap in which
        the key could expire between them."""
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=True)
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
