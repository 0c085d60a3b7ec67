"""The demo company's bank statement shows e-banking at work: two payments settle their
invoices by themselves, a partial one waits for a person, the bank's fee is filed, a supplier's
return of our overpayment closes it, a payment typed in by hand before is asked about."""

from __future__ import annotations

import pytest

from xfinances.banking import queries
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState, Statement
from xfinances.core.demo import DEMO_EIK, load_demo
from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.payments.demo import DEMO_OVERPAID
from xfinances.payments.models import Payment

pytestmark = pytest.mark.django_db


def test_demo_statement_is_matched_and_leaves_one_for_review() -> None:
    said: list[str] = []
    assert load_demo(said.append) is True
    assert "  6 bank entries: 3 matched automatically, 2 waiting for review" in said
    company = Company.objects.get(eik=DEMO_EIK)
    statement = Statement.objects.get(company=company)
    assert statement.difference == 0  # opening + movements = closing
    entries = {e.bank_id: e for e in BankEntry.objects.filter(company=company)}
    assert entries["DEMO-1"].match_state == MatchState.AUTO
    assert entries["DEMO-2"].match_state == MatchState.AUTO
    review = entries["DEMO-3"]
    assert review.match_state == MatchState.REVIEW
    [proposal] = MatchProposal.objects.filter(entry=review, state=ProposalState.OPEN)
    [(kind, document_id, amount)] = proposal.allocations
    assert amount == str(review.amount)  # a half payment: all of it to the invoice, the rest open
    assert kind == "sales" and Document.objects.get(pk=document_id).number.endswith(
        review.text.rsplit(" ", 1)[1]
    )
    fee = entries["DEMO-4"]  # nothing to match: the seeded rule files it under its category
    assert fee.match_state == MatchState.NONE and fee.movement.category is not None
    # The supplier sent back what we overpaid it: our payment's rest is closed by itself.
    returned = entries["DEMO-5"]
    assert returned.match_state == MatchState.AUTO and returned.amount == DEMO_OVERPAID
    overpaid = Payment.objects.get(pk=returned.payment.refund_of_id)
    assert overpaid.direction == "out" and overpaid.unallocated == 0
    # A client's payment typed in by hand ten days before: the line asks whether it is that one.
    asked = entries["DEMO-6"]
    assert asked.maybe_typed and asked.match_state == MatchState.REVIEW
    [candidate] = queries.typed_candidates(company, [asked])[asked.pk]
    [by_hand] = candidate.payments
    assert by_hand.amount == asked.amount and by_hand.allocated == asked.amount
