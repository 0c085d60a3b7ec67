"""payments/0010: allocations and write-offs made before the parts' EUR values existed get
them from what was stored — the payment's side at its rate, the document's side the rest of
the stored exchange difference (so the accounting export stays what it was), a credit note's
part at the note's rate, a write-off at its target's rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.models import ExchangeRate
from xfinances.core.tests.text_limits import migrate, migrate_to_latest
from xfinances.invoicing.tests.factories import SYSTEM, bg_client
from xfinances.payments import actions
from xfinances.payments.models import Allocation, WriteOff
from xfinances.payments.tests.factories import DAY, invoice, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier

D = Decimal
BEFORE = [("payments", "0009_write_off_targets")]
AFTER = [("payments", "0010_part_eur_values")]
PAID_ON = DAY + dt.timedelta(days=8)


@pytest.mark.django_db(transaction=True)
def test_existing_parts_get_their_eur_values_from_what_was_stored(company):
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=D("1.10"))
    ExchangeRate.objects.create(currency="USD", date=PAID_ON, rate=D("1.20"))
    actions.update_payment_settings(
        SYSTEM,
        company,
        actions.PaymentSettingsInput.read_changes({"write_off_tolerance_eur": "20"}),
    )
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")  # 1,000.00 EUR
    paid = payment(company, client, "1089.00", day=PAID_ON, currency="USD")  # 907.50 EUR
    (allocation,) = actions.allocate(SYSTEM, paid, [(document, None)])
    written = actions.write_off(SYSTEM, document, reason="cents", date=PAID_ON)
    supplier = make_supplier(company)
    bill = make_invoice(company, supplier=supplier, currency="USD", exchange_rate="1.10")
    out = payment(company, supplier, "60.00", day=PAID_ON, currency="USD", direction="out")
    (to_bill,) = actions.allocate_supplier_invoices(SYSTEM, out, [(bill, None)])
    stored = {
        a.pk: (a.received_eur, a.booked_eur, a.exchange_difference_eur)
        for a in Allocation.objects.all()
    }
    assert stored[allocation.pk] == (D("907.50"), D("990.00"), D("-82.50"))
    assert stored[to_bill.pk] == (D("50.00"), D("54.55"), D("4.55"))
    assert WriteOff.objects.get(pk=written.pk).booked_eur == D("10.00")
    try:
        migrate(BEFORE)
        migrate(AFTER)
        # Only the columns 0010 has: the model may have more since.
        filled = {
            pk: values
            for pk, *values in Allocation.objects.values_list(
                "pk", "received_eur", "booked_eur", "exchange_difference_eur"
            )
        }
        assert filled == {pk: list(values) for pk, values in stored.items()}
        written_eur = WriteOff.objects.filter(pk=written.pk).values_list("booked_eur", flat=True)
        assert list(written_eur) == [D("10.00")]
    finally:
        migrate_to_latest()
