"""A document's payments panel names the bank lines waiting in the review queue that may pay
it, so a person settles the money from the line instead of typing it in a second time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchProposal, MatchState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

D1 = dt.date(2026, 11, 2)
NB = "\u00a0"


def test_the_invoice_page_sends_to_the_line_waiting_for_it(company: Any, client_as: Any) -> None:
    bank_account(company, name="ББР", iban=IBAN)
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    other = invoice(company, document.party, price="300.00", day=D1 - dt.timedelta(days=4))
    # Half of it, naming the invoice without its leading zeros: a person confirms.
    text = f"Аванс по ф-ра {int(document.number)}"
    run(company, camt_file([Row(D1, Decimal("600.00"), document.recipient_name, "", text)]))
    entry = BankEntry.objects.get(company=company)
    assert entry.match_state == MatchState.REVIEW
    client = client_as(company, "owner")
    page = client.get(reverse("invoicing:detail", args=[company.eik, document.pk]))
    body = page.content.decode().replace("&nbsp;", NB)
    assert "waiting-bank-line" in body
    assert "Банков ред от 02.11.2026 за 600,00" in body and "чака в „За преглед“" in body
    assert reverse("banking:review", args=[company.eik]) + f"#entry-{entry.pk}" in body
    phrases, words = english_texts()
    assert not problems_on_page("document", page, phrases, words, whole_page=True)
    # Another invoice of the same client is not what the line pays.
    elsewhere = client.get(reverse("invoicing:detail", args=[company.eik, other.pk]))
    assert "waiting-bank-line" not in elsewhere.content.decode()

    actions.accept(SYSTEM, MatchProposal.objects.get(entry=entry, rank=1))
    after = client.get(reverse("invoicing:detail", args=[company.eik, document.pk]))
    assert "waiting-bank-line" not in after.content.decode()
