"""Banking test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in their English source form, whatever the default language is."""
    with translation.override("en"):
        yield
