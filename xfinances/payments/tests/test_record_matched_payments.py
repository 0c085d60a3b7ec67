"""record_matched_payments: many bank payments recorded on their movements and allocated at
once, with the checks of record_payment and allocate, all of the batch or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions, locks
from xfinances.payments.models import Allocation, DocumentSettlement, Payment
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice
from xfinances.purchases.models import PaymentStatus, SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db
D = Decimal
PAID_ON = DAY + dt.timedelta(days=3)


def _movement(account, amount: str, direction: str = "in") -> Movement:
    movement = treasury_actions.create_movement(
        SYSTEM,
        account,
        treasury_actions.MovementInput(
            date=PAID_ON, direction=direction, amount=D(amount), description="bank"
        ),
    )
    return Movement.objects.select_related("account").get(pk=movement.pk)


def _item(movement, party, *allocations, direction="in"):
    return actions.MatchedPaymentInput(
        movement=movement,
        direction=direction,
        date=PAID_ON,
        amount=abs(movement.amount),
        currency="EUR",
        party=party,
        bank_reference="B-1",
        note="ф-ра",
        allocations=tuple((k, i, D(a)) for k, i, a in allocations),
    )


def _counts() -> tuple[int, int, int]:
    return Payment.objects.count(), Allocation.objects.count(), AuditEntry.objects.count()


def test_a_batch_records_payments_allocations_states_and_audit(company):
    account = bank_account(company)
    client = bg_client(company)
    first, second = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    bill = make_invoice(company)  # a supplier invoice of 120.00
    items = [
        _item(_movement(account, "60.00"), client, ("sales", first.pk, "60.00")),
        # the same document again within the batch: what the first payment left, and more
        _item(
            _movement(account, "90.00"),
            client,
            ("sales", first.pk, "40.00"),
            ("sales", second.pk, "50.00"),
        ),
        _item(
            _movement(account, "70.00", "out"),
            bill.supplier,
            ("purchase", bill.pk, "70.00"),
            direction="out",
        ),
    ]
    audit_before = AuditEntry.objects.count()

    done = actions.record_matched_payments(SYSTEM, company, items)

    assert [len(d.allocations) for d in done] == [1, 2, 1]
    assert [d.payment.allocated for d in done] == [D("60.00"), D("90.00"), D("70.00")]
    for d in done:
        stored = Payment.objects.get(pk=d.payment.pk)
        assert stored.allocated == stored.amount and stored.source == "bank"
        assert stored.movement_id == d.payment.movement_id
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.paid_amount, first.outstanding_amount, first.payment_status) == (
        D("100.00"),
        D("0.00"),
        "paid",
    )
    assert second.payment_status == "paid"
    assert DocumentSettlement.objects.get(pk=first.pk).settled == D("100.00")
    bill.refresh_from_db()
    assert (bill.amount_paid, bill.remaining) == (D("70.00"), D("50.00"))
    assert bill.payment_status == PaymentStatus.TO_PAY
    actions_written = list(
        AuditEntry.objects.order_by("pk")[audit_before:].values_list("action", flat=True)
    )
    assert actions_written.count("record_payment") == 3
    assert actions_written.count("allocate") == 4
    assert actions_written.count("set_supplier_invoice_paid") == 1
    created = AuditEntry.objects.filter(action="record_payment").order_by("pk").last()
    assert created is not None and created.changes["allocated"] == [None, "0.00"]
    # an automatic match stays reversible: its allocation is undone like any other
    actions.undo_allocation(SYSTEM, done[0].allocations[0], reason="wrong")
    first.refresh_from_db()
    assert first.paid_amount == D("40.00") and first.payment_status != "paid"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("sales", "first", "100.01"), "left to pay"),
        (("sales", "first", "0"), "greater than zero"),
        (("sales", "voided", "10.00"), "voided"),
    ],
)
def test_one_refused_item_refuses_the_whole_batch(company, bad, message):
    account = bank_account(company)
    client = bg_client(company)
    first = invoice(company, client, "100.00")
    other = invoice(company, client, "30.00")
    voided = invoice(company, client, "10.00")
    invoicing_actions.void_document(SYSTEM, voided, reason="mistake", today=DAY)
    ids = {"first": first.pk, "voided": voided.pk}
    kind, which, amount = bad
    items = [
        _item(_movement(account, "30.00"), client, ("sales", other.pk, "30.00")),
        _item(_movement(account, "200.00"), client, (kind, ids[which], amount)),
    ]
    before = _counts()
    states = list(Document.objects.order_by("pk").values_list("pk", "paid_amount"))

    with pytest.raises(InvalidInput) as refused:
        actions.record_matched_payments(SYSTEM, company, items)

    assert message in str(refused.value.errors)
    assert _counts() == before
    assert list(Document.objects.order_by("pk").values_list("pk", "paid_amount")) == states


def test_a_failure_while_writing_leaves_nothing_half_applied(company, monkeypatch):
    """The payments and allocations are inserted before the invoices' paid amounts: a failure
    there rolls back all of the batch."""
    account = bank_account(company)
    client = bg_client(company)
    sale = invoice(company, client, "100.00")
    bill = make_invoice(company)
    items = [
        _item(_movement(account, "100.00"), client, ("sales", sale.pk, "100.00")),
        _item(
            _movement(account, "120.00", "out"),
            bill.supplier,
            ("purchase", bill.pk, "120.00"),
            direction="out",
        ),
    ]
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(actions.bank_matches.purchases_actions, "set_paid_amounts", broken)
    with pytest.raises(RuntimeError):
        actions.record_matched_payments(SYSTEM, company, items)

    assert _counts() == before
    sale.refresh_from_db()
    assert sale.paid_amount == D("0.00") and sale.payment_status != "paid"
    assert DocumentSettlement.objects.filter(pk=sale.pk, settled__gt=0).count() == 0
    assert SupplierInvoice.objects.get(pk=bill.pk).amount_paid == D("0.00")


def test_a_movement_already_paid_is_refused(company):
    account = bank_account(company)
    client = bg_client(company)
    sale = invoice(company, client, "100.00")
    movement = _movement(account, "100.00")
    item = _item(movement, client, ("sales", sale.pk, "100.00"))
    with pytest.raises(InvalidInput, match="already a payment"):
        actions.record_matched_payments(SYSTEM, company, [item, item])
    actions.record_matched_payments(SYSTEM, company, [item])
    with pytest.raises(InvalidInput, match="already a payment"):
        actions.record_matched_payments(SYSTEM, company, [item])
    assert Allocation.objects.filter(document=sale).count() == 1


def test_settlement_rows_are_locked_whether_they_exist_or_not(company):
    """`lock_settlements` gives every document's row in id order: the existing ones as they
    are stored, the missing ones created (zero), and only the missing ones inserted."""
    client = bg_client(company)
    first, second, third = (invoice(company, client, price) for price in ("10", "20", "30"))
    DocumentSettlement.objects.filter(pk__in=[first.pk, second.pk, third.pk]).delete()
    DocumentSettlement.objects.create(document=second, company=company, paid=D("5.00"))
    rows = locks.lock_settlements(company, [third.pk, second.pk, first.pk, second.pk])
    assert list(rows) == sorted([first.pk, second.pk, third.pk])
    assert rows[second.pk].paid == D("5.00")
    assert rows[first.pk].paid == rows[third.pk].paid == D("0")
    assert DocumentSettlement.objects.filter(company=company).count() == 3
    assert locks.lock_settlements(company, []) == {}
