"""The Redis cache shares its database with the worker's queue: clearing the cache (a restore
does) must not drop the queued tasks. Django's own RedisCache.clear() runs FLUSHDB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from huey import RedisHuey

from xfinances.core.cache import SharedRedisCache

URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:  # the SQLite pass on a machine without Redis
        pytest.skip(f"NO REDIS at {URL} ({error}): the shared-cache test needs one")


def test_clearing_the_cache_keeps_the_workers_queue() -> None:
    _redis_or_skip()
    tag = uuid.uuid4().hex[:12]
    cache = SharedRedisCache(URL, {"KEY_PREFIX": f"test-cache-{tag}"})
    other = SharedRedisCache(URL, {"KEY_PREFIX": f"test-other-{tag}"})
    queue = RedisHuey(f"test-queue-{tag}", url=URL)

    @queue.task()
    def send(n: int) -> int:
        return n

    try:
        send(1)
        send(2)
        cache.set_many({f"k{n}": n for n in range(1_200)})  # more than one SCAN/DEL chunk
        other.set("kept", "yes")
        assert queue.pending_count() == 2
        assert cache.get("k7") == 7

        cache.clear()

        assert queue.pending_count() == 2, "clear() dropped the worker's queued tasks"
        assert cache.get_many([f"k{n}" for n in range(1_200)]) == {}
        assert other.get("kept") == "yes"
    finally:
        queue.storage.flush_all()
        other.clear()


def test_a_shared_cache_without_a_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="KEY_PREFIX"):
        SharedRedisCache(URL, {})


def test_with_redis_the_settings_use_the_shared_cache(tmp_path: Path) -> None:
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.CACHES['default']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xfinances.settings",
        "REDIS_URL": URL,
        "XFINANCES_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    default = json.loads(out.stdout)
    assert default["BACKEND"] == "xfinances.core.cache.SharedRedisCache"
    assert default["KEY_PREFIX"]
