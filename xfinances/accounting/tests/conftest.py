from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def english(request: pytest.FixtureRequest) -> Iterator[None]:
    """Messages are asserted in their English source form (pages too, when a client is used)."""
    from django.conf import settings
    from django.utils import translation

    if "client" in request.fixturenames:
        client: Any = request.getfixturevalue("client")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
