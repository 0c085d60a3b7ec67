"""The top bar's search finds documents, parties and payments of the company only, and hides
the areas the role may not see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xfinances.invoicing.tests.factories import SYSTEM, bg_client, issued
from xfinances.payments import actions as payment_actions

pytestmark = pytest.mark.django_db


def test_search_finds_documents_parties_and_payments(company, other_company, client_as):
    party = bg_client(company, name="Орион Трейд ООД")
    document = issued(company, party=party)
    payment_actions.record_payment(
        SYSTEM,
        company,
        payment_actions.PaymentInput.read(
            {
                "direction": "in",
                "party": party,
                "date": document.issue_date,
                "amount": Decimal("10.00"),
                "currency": "EUR",
                "note": "Орион аванс",
            }
        ),
    )
    bg_client(other_company, name="Орион Чужд ЕООД")
    owner = client_as(company, "owner")
    page = owner.get(f"/c/{company.eik}/search/", {"q": "орион"}).content.decode()
    assert "Орион Трейд ООД" in page and "Орион Чужд" not in page
    assert f"/documents/{document.pk}/" in page
    assert "/payments/" in page and "10,00" in page
    assert 'id="global-search"' in page
    purchasing = client_as(company, "purchasing")
    page = purchasing.get(f"/c/{company.eik}/search/", {"q": "орион"}).content.decode()
    assert "/payments/" not in page.split('id="main"')[1]  # purchasing does not see payments
    empty = owner.get(f"/c/{company.eik}/search/", {"q": "няма-такова"}).content.decode()
    assert 'id="no-hits"' in empty
