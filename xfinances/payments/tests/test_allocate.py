"""Allocating payments and credit notes to documents; refusals; undo; write-offs; refunds;
exchange differences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry, ExchangeRate
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import DocumentKind
from xfinances.invoicing.tests.factories import bg_client, line
from xfinances.payments import actions, aging, queries
from xfinances.payments.models import Allocation, Payment
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment
from xfinances.treasury.tests.factories import bank_account

D = Decimal


def status(document):
    document.refresh_from_db()
    return queries.document_payment_status(document, DAY)


def test_one_payment_settles_two_invoices_and_the_rest_becomes_credit(company):
    client = bg_client(company)
    first, second = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    paid = payment(company, client, "170.00")
    actions.allocate(SYSTEM, paid, [(first, None), (second, None)])
    paid.refresh_from_db()
    assert status(first) == ("paid", D("100.00"), D("0.00"))
    assert status(second) == ("paid", D("50.00"), D("0.00"))
    assert paid.allocated == D("150.00") and paid.unallocated == D("20.00")
    assert aging.party_credit(company, client) == {"EUR": D("20.00")}
    later = invoice(company, client, "30.00")
    actions.allocate(SYSTEM, paid, [(later, None)])  # the credit used on a later invoice
    assert status(later) == ("partly_paid", D("20.00"), D("10.00"))
    assert aging.party_credit(company, client) == {}


def test_many_payments_pay_one_invoice_in_parts(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    for amount in ("30.00", "30.00", "40.00"):
        actions.allocate(SYSTEM, payment(company, client, amount), [(document, None)])
    assert status(document) == ("paid", D("100.00"), D("0.00"))
    assert queries.allocations_of_document(document).count() == 3


@pytest.mark.parametrize(
    ("pay", "allocate", "field"),
    [("50.00", "60.00", "amount"), ("500.00", "100.01", "amount"), ("50.00", "-1", "amount")],
)
def test_refuses_more_than_either_side_and_changes_nothing(company, pay, allocate, field):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, pay)
    with pytest.raises(InvalidInput) as error:
        actions.allocate(SYSTEM, paid, [(document, D(allocate))])
    assert field in error.value.errors
    assert "left" in str(error.value) or "greater than zero" in str(error.value)
    paid.refresh_from_db()
    assert paid.allocated == 0 and not Allocation.objects.filter(company=company).exists()
    assert status(document)[0] == "unpaid"


def test_a_second_allocation_cannot_exceed_what_the_first_left(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    actions.allocate(SYSTEM, payment(company, client, "80.00"), [(document, None)])
    with pytest.raises(InvalidInput, match=r"20\.00 EUR of document"):
        actions.allocate(SYSTEM, payment(company, client, "80.00"), [(document, D("30.00"))])


def test_refuses_voided_documents_other_companies_and_other_clients(company, other_company):
    client = bg_client(company)
    voided = invoice(company, client, "100.00")
    invoicing.void_document(SYSTEM, voided, reason="грешка", today=DAY)
    voided.refresh_from_db()
    paid = payment(company, client, "100.00")
    with pytest.raises(InvalidInput, match="voided"):
        actions.allocate(SYSTEM, paid, [(voided, None)])
    foreign = invoice(other_company, None, "100.00")
    with pytest.raises(InvalidInput, match="No such document in this company"):
        actions.allocate(SYSTEM, paid, [(foreign, None)])
    someone_else = invoice(company, bg_client(company, name="Друг ЕООД"), "100.00")
    with pytest.raises(InvalidInput, match="another client"):
        actions.allocate(SYSTEM, paid, [(someone_else, None)])
    paid.refresh_from_db()
    assert paid.allocated == 0


def test_a_refused_document_in_a_batch_leaves_the_others_untouched(company):
    client = bg_client(company)
    good, small = invoice(company, client, "100.00"), invoice(company, client, "10.00")
    paid = payment(company, client, "200.00")
    with pytest.raises(InvalidInput):
        actions.allocate(SYSTEM, paid, [(good, D("100.00")), (small, D("20.00"))])
    assert status(good)[0] == "unpaid"
    paid.refresh_from_db()
    assert paid.allocated == 0


def test_undo_gives_both_sides_back_and_is_audited(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, "100.00")
    allocation = actions.allocate(SYSTEM, paid, [(document, None)])[0]
    with pytest.raises(InvalidInput, match="why"):
        actions.undo_allocation(SYSTEM, allocation, reason=" ")
    actions.undo_allocation(SYSTEM, allocation, reason="wrong invoice")
    paid.refresh_from_db()
    allocation.refresh_from_db()
    assert paid.allocated == 0 and allocation.undone_at is not None
    assert status(document) == ("unpaid", D("0.00"), D("100.00"))
    entry = AuditEntry.objects.get(action="undo_allocation", object_id=str(allocation.pk))
    assert entry.reason == "wrong invoice" and "undone_at" in entry.changes
    with pytest.raises(Exception, match="already undone"):
        actions.undo_allocation(SYSTEM, allocation, reason="again")


def test_credit_note_offsets_its_invoice(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    note = invoicing.create_credit_note(
        SYSTEM,
        document,
        reason="отстъпка",
        issue=True,
        today=DAY,
        lines=[line("30.00", vat="exempt")],
    ).document
    # Offset when it was issued (the company setting, on by default): nothing left to apply.
    assert actions.apply_open_credit_notes(SYSTEM, company) == 0
    assert status(document) == ("partly_paid", D("30.00"), D("70.00"))
    assert status(note) == ("paid", D("30.00"), D("0.00"))
    actions.allocate(SYSTEM, payment(company, client, "70.00"), [(document, None)])
    assert status(document)[0] == "paid"
    assert actions.apply_open_credit_notes(SYSTEM, company) == 0


def test_write_off_within_tolerance_only(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    actions.allocate(SYSTEM, payment(company, client, "99.40"), [(document, None)])
    with pytest.raises(InvalidInput, match="reason"):
        actions.write_off(SYSTEM, document, reason="")
    actions.update_payment_settings(
        SYSTEM,
        company,
        actions.PaymentSettingsInput.read_changes({"write_off_tolerance_eur": "0.50"}),
    )
    with pytest.raises(InvalidInput, match=r"limited to 0\.50 EUR"):
        actions.write_off(SYSTEM, document, reason="bank fee")
    actions.update_payment_settings(
        SYSTEM,
        company,
        actions.PaymentSettingsInput.read_changes({"write_off_tolerance_eur": "1.00"}),
    )
    actions.write_off(SYSTEM, document, reason="bank fee")
    assert status(document) == ("written_off", D("99.40"), D("0.00"))


def test_refund_of_an_overpayment(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, "120.00")
    actions.allocate(SYSTEM, paid, [(document, None)])
    with pytest.raises(InvalidInput, match=r"20\.00"):
        actions.refund_credit(
            SYSTEM, paid, actions.RefundInput.read({"amount": "25.00", "date": DAY})
        )
    refund = actions.refund_credit(
        SYSTEM, paid, actions.RefundInput.read({"amount": "20.00", "date": DAY})
    )
    paid.refresh_from_db()
    assert refund.direction == "out" and refund.refund_of == paid and paid.unallocated == 0
    assert aging.party_credit(company, client) == {}


def test_payment_from_a_bank_account_creates_the_treasury_movement(company):

    account = bank_account(company)
    client = bg_client(company)
    paid = payment(company, client, "55.00", account=account, bank_reference="REF-1")
    assert paid.source == "bank" and paid.movement is not None
    assert paid.movement.amount == D("55.00") and paid.movement.bank_reference == "REF-1"
    with pytest.raises(InvalidInput, match="already a payment"):
        payment(company, client, "55.00", movement=paid.movement)


def test_usd_invoice_paid_in_eur_shows_the_exchange_difference(company):
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=D("1.10000000"))
    ExchangeRate.objects.create(
        currency="USD", date=DAY + dt.timedelta(days=20), rate=D("1.00000000")
    )
    client = bg_client(company)
    document = invoice(company, client, "110.00", currency="USD")  # 100.00 EUR at 1.10
    assert document.eur_total == D("100.00")
    paid = payment(company, client, "110.00", day=DAY + dt.timedelta(days=20))  # EUR
    allocation = actions.allocate(SYSTEM, paid, [(document, None)])[0]
    # 110 EUR buys 110 USD on the payment day (1.00): the whole invoice, booked at 100 EUR.
    assert allocation.document_amount == D("110.00")
    assert allocation.amount == D("110.00")
    assert allocation.exchange_difference_eur == D("10.00")
    assert status(document)[0] == "paid"


def test_exchange_difference_is_pure_and_signed_for_the_company():
    # USD claim booked at 1.10 (100 EUR), received when 1 EUR = 1.25 USD: 88 EUR, a loss of 12.
    assert actions.exchange_difference("in", D("110.00"), D("1.25"), D("110.00"), D("1.10")) == D(
        "-12.00"
    )
    assert actions.exchange_difference("out", D("110.00"), D("1.25"), D("110.00"), D("1.10")) == D(
        "12.00"
    )


def test_roles(company, make_member):

    viewer = Actor(make_member(company, "viewer"))
    sales = Actor(make_member(company, "sales"))
    document = invoice(company)
    paid = payment(company, document.party, "10.00")
    for actor in (viewer, sales):
        with pytest.raises(NotAllowed):
            actions.allocate(actor, paid, [(document, None)])
        with pytest.raises(NotAllowed):
            actions.run_reminders(actor, company, DAY)
    assert Payment.objects.filter(company=company).count() == 1
    assert document.kind == DocumentKind.INVOICE
