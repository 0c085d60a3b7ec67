from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """The sign-in throttle counts in the cache (a database table by default): every test that
    uses the database starts from zero."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
