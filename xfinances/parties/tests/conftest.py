from __future__ import annotations

from typing import Any

import pytest

from xfinances.parties.tests.factories import PartyFactory


@pytest.fixture
def make_party(company: Any) -> Any:
    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("company", company)
        return PartyFactory(**kwargs)

    return make


@pytest.fixture(autouse=True)
def english_messages() -> Any:
    """Messages are asserted in their English source form, whatever the Bulgarian catalogue says."""
    from django.utils import translation

    with translation.override("en"):
        yield
