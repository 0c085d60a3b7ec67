"""Write-off from a proposal: settle the document, write off the few cents, undo both."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM, bank_account
from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing.models import Document
from xfinances.payments.models import Allocation, WriteOff
from xfinances.payments.queries import document_payment
from xfinances.payments.tests.factories import invoice


def short_payment(company: Any, paid: str, total: str = "100.00") -> tuple[Document, Any]:
    """An invoice of `total` and a bank entry paying `paid` of it, waiting for review with
    the proposal the engine makes for a short payment."""
    document = invoice(company, price=total, day=timezone.localdate())
    out = io.BytesIO()
    day = timezone.localdate()
    camt053(
        out,
        iban=bank_account(company).iban,
        rows=[Row(day, Decimal(paid), "Клиент", "", f"ф-ра {document.number}")],
        opening=Decimal("0"),
        date_from=day,
        date_to=day,
    )
    out.seek(0)
    actions.import_statement(SYSTEM, company, out, match=False)
    entry = BankEntry.objects.get(company=company)
    entry.match_state = MatchState.REVIEW
    entry.save(update_fields=["match_state"])
    proposal = MatchProposal.objects.create(
        company=company,
        entry=entry,
        party_id=document.party_id,
        allocations=[["sales", document.pk, paid]],
        score=70,
        reason="number in the text; short by the tolerance",
        shortfall=Decimal(total) - Decimal(paid),
    )
    return document, proposal


def test_accept_with_write_off_settles_and_undo_takes_both_back(company: Any) -> None:
    document, proposal = short_payment(company, "99.97")
    actions.accept_with_write_off(SYSTEM, proposal)
    document.refresh_from_db()
    state = document_payment(document)
    assert state.remaining == 0 and state.written_off == Decimal("0.03")
    proposal.refresh_from_db()
    item = WriteOff.objects.get(pk=proposal.write_off_ids[0])
    assert item.amount == Decimal("0.03") and item.document_id == document.pk
    assert proposal.state == ProposalState.APPLIED
    assert BankEntry.objects.get(pk=proposal.entry_id).match_state == MatchState.CONFIRMED

    actions.undo(SYSTEM, proposal, reason="грешно")
    document.refresh_from_db()
    item.refresh_from_db()
    assert item.undone_at is not None
    assert document_payment(document).remaining == Decimal("100.00")
    assert not Allocation.objects.filter(document=document, undone_at__isnull=True).exists()
    assert BankEntry.objects.get(pk=proposal.entry_id).match_state == MatchState.REVIEW


def test_more_than_the_tolerance_is_refused_and_nothing_changes(company: Any) -> None:
    document, proposal = short_payment(company, "95.00")  # 5.00 over the 1.00 EUR tolerance
    with pytest.raises(InvalidInput) as caught:
        actions.accept_with_write_off(SYSTEM, proposal)
    assert "amount" in caught.value.errors
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN and not proposal.write_off_ids
    assert not Allocation.objects.filter(document=document).exists()
    assert not WriteOff.objects.filter(document=document).exists()


def test_nothing_to_write_off_is_refused(company: Any) -> None:
    _document, proposal = short_payment(company, "100.00")
    with pytest.raises(InvalidInput, match="nothing to write off"):
        actions.accept_with_write_off(SYSTEM, proposal)


def test_review_page_offers_it_with_the_w_key_and_the_page_action_works(
    company: Any, client_as: Any
) -> None:
    document, proposal = short_payment(company, "99.99")
    client = client_as(company, "owner")
    page = client.get(reverse("banking:review", args=[company.eik]))
    assert b"write-off-best" in page.content
    client.post(reverse("banking:write_off", args=[company.eik, proposal.pk]))
    document.refresh_from_db()
    assert document_payment(document).written_off == Decimal("0.01")


def test_api_write_off(company: Any, api_as: Any) -> None:
    _document, proposal = short_payment(company, "99.50")
    answer = api_as(company).post(f"/banking/proposals/{proposal.pk}/write-off")
    assert answer.status_code == 200 and answer.json()["state"] == "applied"
