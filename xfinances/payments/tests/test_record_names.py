"""Names of records kept in the audit log and shown in histories read as a person writes them
(issue 11: the dashboard's recent changes showed "2580.00 → supplier 3")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from xfinances.payments.models import Allocation, DunningPause
from xfinances.purchases.models import SupplierInvoice


def test_an_allocation_names_its_amount_and_document():
    invoice = SupplierInvoice(kind="invoice", supplier_number="2026-0193")
    allocation = Allocation(amount=Decimal("2580.00"), supplier_invoice=invoice)
    with translation.override("bg"):
        assert str(allocation) == "2\u00a0580,00 → Фактура 2026-0193"
    with translation.override("en"):
        assert str(allocation).startswith("2,580.00 → ")


def test_a_pause_names_its_end_date_in_the_language():
    pause = DunningPause(reason="Разсрочено", until=dt.date(2026, 12, 18))
    with translation.override("bg"):
        assert str(pause) == "Разсрочено → 18.12.2026"
