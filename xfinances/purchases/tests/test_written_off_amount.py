"""The written-off part of a supplier invoice, as the payments area sets it: remaining and
payment status follow, and paid + written off never exceeds the total."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.purchases import actions
from xfinances.purchases.models import PaymentStatus
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal
SYSTEM = Actor.system()


def test_written_off_lowers_remaining_and_settles_the_invoice(company):
    invoice = make_invoice(company)  # 120.00
    actions.set_paid_amount(SYSTEM, invoice, D("119.97"))
    done = actions.set_written_off_amount(SYSTEM, invoice, D("0.03"))
    assert (done.remaining, done.payment_status) == (D("0.00"), PaymentStatus.PAID)
    back = actions.set_written_off_amount(SYSTEM, done, D("0.00"))
    assert (back.remaining, back.payment_status) == (D("0.03"), PaymentStatus.TO_PAY)


def test_paid_and_written_off_cannot_exceed_the_total_or_go_negative(company):
    invoice = make_invoice(company)
    actions.set_paid_amount(SYSTEM, invoice, D("119.99"))
    with pytest.raises(InvalidInput):
        actions.set_written_off_amount(SYSTEM, invoice, D("0.02"))
    with pytest.raises(InvalidInput):
        actions.set_written_off_amount(SYSTEM, invoice, D("-0.01"))
    invoice.refresh_from_db()
    assert (invoice.amount_written_off, invoice.remaining) == (D("0.00"), D("0.01"))
