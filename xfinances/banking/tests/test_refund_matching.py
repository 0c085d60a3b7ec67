"""Money that returns a payment's rest: a supplier sending back our overpayment, our paying
back a client's credit. The engine's proposals (pure), then a statement import that settles
the supplier's return by itself, its undo and a person's accept from the review queue."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from xfinances.banking import actions
from xfinances.banking.matching import AUTOMATIC, Incoming, OpenItem, propose
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM, bank_account
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.invoicing.tests.factories import bg_client
from xfinances.parties.models import PartyBankAccount
from xfinances.payments import actions as payments_actions
from xfinances.payments.aging import party_credit
from xfinances.payments.models import Payment
from xfinances.payments.tests.factories import payment
from xfinances.purchases.tests.factories import make_invoice

D = Decimal
NB = "\u00a0"
DAY = dt.date(2026, 11, 20)
SUPPLIER_IBAN = "BG18RZBB91550123456789"


def rest(kind: str, pk: int, amount: str, party: int = 7) -> OpenItem:
    return OpenItem(
        kind=kind,
        id=pk,
        number="",
        party_id=party,
        party_name="Офис Снаб ЕООД",
        party_identifiers=("204801524", SUPPLIER_IBAN),
        reference="",
        open_amount=D(amount),
        currency="EUR",
        issue_date=DAY - dt.timedelta(days=10),
        due_date=None,
    )


def money(amount: str, direction: str = "credit", **extra: Any) -> Incoming:
    values = {"counterparty_iban": SUPPLIER_IBAN, "text": "връщане надплатена сума"} | extra
    return Incoming(D(amount), "EUR", direction, DAY, **values)


# --- the engine --------------------------------------------------------------------------------


def test_the_suppliers_return_of_our_whole_overpayment_is_automatic() -> None:
    [best] = propose(money("30.00"), [rest("payment_out", 5, "30.00")], aliases={}, tolerance=D(0))
    assert best.automatic and best.score >= AUTOMATIC
    assert best.allocations == (("payment_out", 5, D("30.00")),)
    assert best.party_id == 7 and not best.overpayment and not best.shortfall
    assert [code for code, _values in best.reasons] == ["refund_exact", "party"]


def test_part_of_a_rest_waits_for_a_person_and_more_than_it_is_no_refund() -> None:
    items = [rest("payment_out", 5, "30.00")]
    [part] = propose(money("10.00"), items, aliases={}, tolerance=D(0))
    assert not part.automatic and part.reasons[0] == (
        "refund_partial",
        {"amount": D("20.00"), "date": "2026-11-10"},
    )
    assert propose(money("30.01"), items, aliases={}, tolerance=D(0)) == []


def test_a_rest_is_returned_only_by_money_the_other_way_of_a_known_payer() -> None:
    items = [rest("payment_in", 5, "30.00"), rest("payment_out", 6, "30.00")]
    [paid_back] = propose(money("30.00", "debit"), items, aliases={}, tolerance=D(0))
    assert paid_back.allocations == (("payment_in", 5, D("30.00")),)
    unknown = money("30.00", counterparty_iban="", counterparty_name="")
    assert propose(unknown, items, aliases={}, tolerance=D(0)) == []


def test_a_rest_and_a_document_of_the_same_id_are_both_candidates() -> None:
    """Proposals are kept per set of items: a payment's id is no document's id."""
    document = OpenItem(
        "sales", 5, "0000000005", 7, "Офис Снаб ЕООД", ("204801524", SUPPLIER_IBAN), "", D("30.00"),
        "EUR",
        DAY - dt.timedelta(days=3), DAY + dt.timedelta(days=10),
    )  # fmt: skip
    found = propose(money("30.00"), [document, rest("payment_out", 5, "30.00")], aliases={},
                    tolerance=D(0))  # fmt: skip
    assert {p.allocations[0][0] for p in found} == {"sales", "payment_out"}
    assert not any(p.automatic for p in found)  # two stories: a person decides


# --- a statement ------------------------------------------------------------------------------


def _overpaid(company: Any) -> Payment:
    """150.00 paid to a supplier invoice of 120.00: 30.00 of it is ours at the supplier."""
    bill = make_invoice(company)
    PartyBankAccount.objects.create(company=company, party=bill.supplier, iban=SUPPLIER_IBAN)
    paid = payment(company, bill.supplier, "150.00", day=DAY, direction="out")
    payments_actions.allocate(SYSTEM, paid, [(bill, None)])
    paid.refresh_from_db()
    assert paid.unallocated == D("30.00")
    return paid


def _import(company: Any, amount: str) -> Any:
    out = io.BytesIO()
    camt053(
        out,
        iban=bank_account(company).iban,
        rows=[Row(DAY, D(amount), "ОФИС СНАБ", SUPPLIER_IBAN, "връщане надплатена сума")],
        opening=D("0"),
        date_from=DAY,
        date_to=DAY,
    )
    out.seek(0)
    return actions.import_statement(SYSTEM, company, out)


@pytest.mark.django_db
def test_the_suppliers_return_settles_our_overpayment_by_itself_and_undoes(company: Any) -> None:
    paid = _overpaid(company)
    summary = _import(company, "30.00")
    assert (summary.matched, summary.review) == (1, 0)
    entry = BankEntry.objects.get(company=company)
    assert entry.match_state == MatchState.AUTO
    returned = entry.payment
    paid.refresh_from_db()
    assert returned.direction == "in" and returned.refund_of_id == paid.pk
    assert returned.unallocated == 0 and paid.unallocated == 0
    assert party_credit(company, paid.party) == {}  # the return is no client credit
    proposal = MatchProposal.objects.get(entry=entry)
    assert proposal.state == ProposalState.APPLIED

    actions.undo(SYSTEM, proposal, reason="not a return")
    paid.refresh_from_db()
    returned.refresh_from_db()
    entry.refresh_from_db()
    assert entry.match_state == MatchState.REVIEW and returned.refund_of_id is None
    assert paid.unallocated == D("30.00") and returned.unallocated == D("30.00")
    assert AuditEntry.objects.filter(action="unlink_refund").count() == 1


@pytest.mark.django_db
def test_a_partial_return_waits_and_a_person_accepts_it(company: Any, client_as: Any) -> None:
    paid = _overpaid(company)
    summary = _import(company, "10.00")
    assert (summary.matched, summary.review) == (0, 1)
    entry = BankEntry.objects.get(company=company)
    client = client_as(company, "owner")
    page = client.get(reverse("banking:review", args=[company.eik]))
    text = page.content.decode().replace("&nbsp;", NB)
    # The candidate names the payment it returns, in the page's language, with a link.
    assert f"остатъка от плащането от 20.11.2026 150,00{NB}EUR</a>: 10,00" in text
    assert reverse("payments:payment", args=[company.eik, paid.pk]) in text
    assert "връща част от плащането от 20.11.2026, остават 20,00" in text
    phrases, words = english_texts()
    assert not problems_on_page("review", page, phrases, words, whole_page=True)

    proposal = MatchProposal.objects.get(entry=entry, rank=1)
    actions.accept(SYSTEM, proposal)
    paid.refresh_from_db()
    entry.refresh_from_db()
    assert entry.payment.refund_of_id == paid.pk and paid.unallocated == D("20.00")
    log = client.get(reverse("audit_log", args=[company.eik])).content.decode()
    assert f"остатъка от плащането от 20.11.2026 150,00{NB}EUR: 10,00" in log.replace("&nbsp;", NB)


@pytest.mark.django_db
def test_paying_back_a_clients_credit_from_the_bank_closes_it(company: Any) -> None:
    buyer = bg_client(company)
    PartyBankAccount.objects.create(company=company, party=buyer, iban=SUPPLIER_IBAN)
    credit = payment(company, buyer, "45.00", day=DAY)
    assert party_credit(company, buyer) == {"EUR": D("45.00")}
    summary = _import(company, "-45.00")
    assert summary.matched == 1
    entry = BankEntry.objects.get(company=company)
    assert entry.payment.refund_of_id == credit.pk and entry.payment.direction == "out"
    assert party_credit(company, buyer) == {}
