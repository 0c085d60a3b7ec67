"""POST /payments with an amount beyond the database's precision answered 500 after saving the
payment and its movement (issue 14, defect 3); a nonsense date is refused too (defect 6)."""

from __future__ import annotations

import pytest

from xfinances.payments.models import Payment
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"), [("amount", "1e20"), ("amount", "1" * 20), ("date", "9999-12-31")]
)
def test_out_of_range_payment_is_422_and_nothing_is_saved(company, api_as, field, value):
    account = bank_account(company)
    body = {
        "direction": "in",
        "date": "2026-03-05",
        "amount": "10.00",
        "currency": "EUR",
        "money_account_id": account.pk,
    }
    body[field] = value
    response = api_as(company, "accountant").post("/payments", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Payment.objects.filter(company=company).exists()
    assert not Movement.objects.filter(company=company).exists()
