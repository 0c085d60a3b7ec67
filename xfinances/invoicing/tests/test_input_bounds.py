"""Nonsense dates and amounts on sales documents (issue 14, defects 3 and 6): a due date of
0001-01-01 made a reminder 739,952 days overdue, an issue date of 9999-12-31 was a 500."""

from __future__ import annotations

import pytest

from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client

pytestmark = pytest.mark.django_db


def _body(client, **header):
    line = {"description": "Услуга", "quantity": "1", "unit_price": "12.00"}
    line |= header.pop("line", {})
    return {"party_id": client.pk, "lines": [line | {"vat_treatment": "standard"}], **header}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ({"due_date": "0001-01-01"}, "due_date"),
        ({"due_date": "9999-12-31"}, "due_date"),
        ({"issue_date": "9999-12-31"}, "issue_date"),
        ({"issue_date": "2026-03-10", "due_date": "2026-03-01"}, "due_date"),
        ({"line": {"unit_price": "1e20"}}, "lines.1.unit_price"),
        ({"line": {"quantity": "999999999999", "unit_price": "999999999"}}, "lines.1.unit_price"),
    ],
)
def test_a_draft_with_nonsense_is_422_and_not_saved(company, api_as, header, field):
    response = api_as(company, "accountant").post("/documents", _body(bg_client(company), **header))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Document.objects.filter(company=company).exists()
