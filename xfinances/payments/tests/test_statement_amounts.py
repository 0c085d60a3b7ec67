"""The account statement page prints every amount through the formatters: `9 800,00`, never the
raw `9800,00` the debit and credit columns showed (issue 11)."""

from __future__ import annotations

import datetime as dt
import re

from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments.tests.factories import DAY, invoice, payment


def test_debit_credit_and_client_credit_are_grouped(company, client_as):
    web = client_as(company, "owner")
    debtor = bg_client(company)
    invoice(company, debtor, "9800.00")
    payment(company, debtor, "25000.00", day=DAY + dt.timedelta(days=3))  # more than owed
    url = f"/c/{company.eik}/payments/statement/{debtor.pk}/?from=2026-01-01&to=2026-12-31"
    page = web.get(url).content.decode()
    table = page[page.index('id="statement"') :]
    assert "25\u00a0000,00" in table
    assert not re.findall(r"(?<![\d\u00a0])\d{4,},\d{2}", page), "an ungrouped amount"
