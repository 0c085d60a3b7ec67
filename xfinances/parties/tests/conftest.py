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
