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
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.invoicing.models import Document
from xfinances.payments.aging import party_credit
from xfinances.payments.models import Allocation, Payment, WriteOff
from xfinances.payments.queries import document_payment, payment_allocated_parts
from xfinances.payments.tests.factories import invoice
from xfinances.purchases.models import PaymentStatus, SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice


def _entry_waiting(company: Any, amount: Decimal, text: str) -> BankEntry:
    """One imported bank entry of `amount` (signed), waiting in the review queue."""
    out = io.BytesIO()
    day = timezone.localdate()
    camt053(
        out,
        iban=bank_account(company).iban,
        rows=[Row(day, amount, "Контрагент", "", text)],
        opening=Decimal("0"),
        date_from=day,
        date_to=day,
    )
    out.seek(0)
    actions.import_statement(SYSTEM, company, out, match=False)
    entry = BankEntry.objects.get(company=company)
    entry.match_state = MatchState.REVIEW
    entry.save(update_fields=["match_state"])
    return entry


def short_payment(company: Any, paid: str, total: str = "100.00") -> tuple[Document, Any]:
    """An invoice of `total` and a bank entry paying `paid` of it, waiting for review with
    the proposal the engine makes for a short payment (or, paid more, an overpayment)."""
    document = invoice(company, price=total, day=timezone.localdate())
    entry = _entry_waiting(company, Decimal(paid), f"ф-ра {document.number}")
    difference = Decimal(total) - Decimal(paid)
    proposal = MatchProposal.objects.create(
        company=company,
        entry=entry,
        party_id=document.party_id,
        allocations=[["sales", document.pk, str(min(Decimal(paid), Decimal(total)))]],
        score=70,
        reasons=[["number_in_text", {"written": "1", "number": "0000000001"}]],
        shortfall=max(difference, Decimal(0)),
        overpayment=max(-difference, Decimal(0)),
    )
    return document, proposal


def supplier_short_payment(company: Any, paid: str) -> tuple[SupplierInvoice, Any]:
    """A supplier invoice of 120.00 EUR and an outgoing bank entry paying `paid` of it."""
    bill = make_invoice(company, issue_date=timezone.localdate(), due_date=None)
    entry = _entry_waiting(company, -Decimal(paid), f"ф-ра {bill.supplier_number}")
    difference = bill.total - Decimal(paid)
    proposal = MatchProposal.objects.create(
        company=company,
        entry=entry,
        party_id=bill.supplier_id,
        allocations=[["purchase", bill.pk, str(min(Decimal(paid), bill.total))]],
        score=70,
        reasons=[["number_in_text", {"written": "F-7", "number": "F-7"}]],
        shortfall=max(difference, Decimal(0)),
        overpayment=max(-difference, Decimal(0)),
    )
    return bill, proposal


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


def test_an_overpayment_is_written_off_and_undo_takes_both_back(company: Any) -> None:
    document, proposal = short_payment(company, "100.04")
    assert proposal.overpayment == Decimal("0.04") and proposal.shortfall == 0
    actions.accept_with_write_off(SYSTEM, proposal)
    proposal.refresh_from_db()
    entry = BankEntry.objects.get(pk=proposal.entry_id)
    payment = Payment.objects.get(pk=entry.payment_id)
    [item] = WriteOff.objects.filter(pk__in=proposal.write_off_ids)
    assert (item.payment_id, item.amount) == (payment.pk, Decimal("0.04"))
    assert payment.unallocated == 0 and payment_allocated_parts(payment) == payment.allocated
    assert party_credit(company, document.party) == {}
    document.refresh_from_db()
    assert document_payment(document).remaining == 0

    actions.undo(SYSTEM, proposal, reason="грешен клиент")
    payment.refresh_from_db()
    item.refresh_from_db()
    assert item.undone_at is not None
    assert payment.unallocated == Decimal("100.04") and payment.allocated == 0
    document.refresh_from_db()
    assert document_payment(document).remaining == Decimal("100.00")
    assert BankEntry.objects.get(pk=proposal.entry_id).match_state == MatchState.REVIEW
    proposal.refresh_from_db()
    with pytest.raises(InvalidInput):  # the proposal is undone: a second undo is refused
        actions.undo(SYSTEM, proposal, reason="again")


def test_an_overpayment_over_the_tolerance_is_refused_and_nothing_changes(company: Any) -> None:
    document, proposal = short_payment(company, "103.00")
    with pytest.raises(InvalidInput) as caught:
        actions.accept_with_write_off(SYSTEM, proposal)
    assert "amount" in caught.value.errors
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN and not proposal.write_off_ids
    assert not Allocation.objects.filter(document=document).exists()
    assert not WriteOff.objects.filter(company=company).exists()
    assert not Payment.objects.filter(company=company).exists()


def test_a_supplier_invoice_short_payment_is_written_off(company: Any) -> None:
    bill, proposal = supplier_short_payment(company, "119.99")
    actions.accept_with_write_off(SYSTEM, proposal)
    bill.refresh_from_db()
    assert (bill.amount_written_off, bill.remaining) == (Decimal("0.01"), Decimal("0.00"))
    assert bill.payment_status == PaymentStatus.PAID
    proposal.refresh_from_db()
    actions.undo(SYSTEM, proposal, reason="x")
    bill.refresh_from_db()
    assert (bill.amount_paid, bill.amount_written_off, bill.remaining) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("120.00"),
    )


def test_an_outgoing_overpayment_of_a_supplier_invoice(company: Any) -> None:
    bill, proposal = supplier_short_payment(company, "120.30")
    actions.accept_with_write_off(SYSTEM, proposal)
    entry = BankEntry.objects.get(pk=proposal.entry_id)
    payment = Payment.objects.get(pk=entry.payment_id)
    assert payment.direction == "out" and payment.unallocated == 0
    assert WriteOff.objects.get(payment=payment).amount == Decimal("0.30")
    bill.refresh_from_db()
    assert bill.remaining == 0


def test_a_read_only_role_may_not_write_off(company: Any, make_member: Any) -> None:
    document, proposal = short_payment(company, "100.02")
    viewer = Actor(make_member(company, "viewer"))
    with pytest.raises(NotAllowed):
        actions.accept_with_write_off(viewer, proposal)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.OPEN
    assert not Allocation.objects.filter(document=document).exists()


def test_review_page_offers_it_for_an_overpayment_and_the_api_lists_the_write_off(
    company: Any, client_as: Any, api_as: Any
) -> None:
    _document, proposal = short_payment(company, "100.02")
    page = client_as(company, "owner").get(reverse("banking:review", args=[company.eik]))
    assert b"write-off-best" in page.content
    answer = api_as(company).post(f"/banking/proposals/{proposal.pk}/write-off")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "applied" and len(body["write_off_ids"]) == 1
    assert WriteOff.objects.get(pk=body["write_off_ids"][0]).amount == Decimal("0.02")


def test_review_page_does_not_offer_it_over_the_tolerance(company: Any, client_as: Any) -> None:
    _document, _proposal = short_payment(company, "150.00")
    page = client_as(company, "owner").get(reverse("banking:review", args=[company.eik]))
    assert page.status_code == 200 and b"write-off-best" not in page.content
    assert b"accept-best" in page.content
