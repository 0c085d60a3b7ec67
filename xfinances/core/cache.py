"""The Redis cache backend, sharing its Redis database with the worker's queue.

Django's own `RedisCache.clear()` empties the whole Redis database (FLUSHDB). With Huey's
queue in the same database that drops every queued task: a restore (`core.backup`) or any
`cache.clear()` would silently lose the e-mails, webhooks and deliveries waiting to run. This
backend clears only the keys it made (those under its KEY_PREFIX).
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from django.core.cache.backends.redis import RedisCache

_DELETE_CHUNK = 500


class SharedRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        if not self.key_prefix:
            raise ValueError("SharedRedisCache needs a KEY_PREFIX so that clear() knows its keys")

    def clear(self) -> None:
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = client.scan_iter(match=f"{self.key_prefix}:*", count=1_000)
        while chunk := list(islice(keys, _DELETE_CHUNK)):
            client.delete(*chunk)
