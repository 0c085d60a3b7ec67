"""A wrong automatic match is undone from the statement page (it was possible only through the
API), and the page of a bank line's payment leads there instead of offering to take it back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

D1 = dt.date(2026, 11, 2)


def test_an_automatic_match_is_undone_from_the_statement_page(
    company: Any, client_as: Any, make_member: Any
) -> None:
    bank_account(company, name="ББР", iban=IBAN)
    document = invoice(company, price="300.00", day=D1 - dt.timedelta(days=5))
    row = Row(D1, Decimal("300.00"), "ЕЛТЕХ ЕООД", "", "плащане", reference=document.rf_reference)
    assert run(company, camt_file([row])).matched == 1
    entry = BankEntry.objects.get(company=company)
    proposal = MatchProposal.objects.get(entry=entry, state=ProposalState.APPLIED)
    eik = company.eik
    statement_url = reverse("banking:statement", args=[eik, entry.statement_id])
    owner = client_as(company, "owner")
    response = owner.get(statement_url)
    page = response.content.decode()
    undo_url = reverse("banking:undo", args=[eik, proposal.pk])
    assert f'action="{undo_url}"' in page and "Отмени разнасянето" in page
    phrases, words = english_texts()
    assert not problems_on_page(statement_url, response, phrases, words, whole_page=True)

    # The payment's page says where its match is undone, and links the line.
    payment_page = owner.get(reverse("payments:payment", args=[eik, entry.payment_id]))
    text = payment_page.content.decode()
    assert 'id="take-back-refused"' in text and 'id="take-back"' not in text
    assert f"{statement_url}?entry={entry.pk}#line-{entry.pk}" in text
    viewer = Client()
    viewer.force_login(make_member(company, "viewer"))
    assert f'action="{undo_url}"' not in viewer.get(statement_url).content.decode()

    back = f"{statement_url}?page=1"
    answer = owner.post(undo_url, {"reason": "не е този клиент", "next": back})
    assert answer.status_code == 302 and answer["Location"] == back
    entry.refresh_from_db()
    document.refresh_from_db()
    assert entry.match_state == MatchState.REVIEW
    assert document.outstanding_amount == Decimal("300.00")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.UNDONE
    after = owner.get(statement_url).content.decode()
    assert f'action="{undo_url}"' not in after
    # Elsewhere than this site, the undo goes back to the review queue.
    assert owner.post(undo_url, {"next": "https://evil.example/"})["Location"].endswith(
        reverse("banking:review", args=[eik])
    )
