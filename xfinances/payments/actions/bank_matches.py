"""Recording many bank payments with their allocations at once: the automatic matches of a
bank matching run.

`record_matched_payments` is `record_payment` (on the entry's movement, no guess from the note)
followed by `allocate` / `allocate_supplier_invoices`, for a batch of payments in one
transaction, with the same checks and messages (the functions of `allocation.py`), the same
rows and the same audit records and webhook events, but written set-wise: one multi-row insert
for the payments, one for the allocations, one for the audit records, one UPDATE per 500 for
the settlements, the documents' payment state (through invoicing's action) and the supplier
invoices' paid amounts (through purchases' action). The documents, their settlement rows and
the supplier invoices of the whole batch are locked first, each group by primary key
(`locks.py`); the new payments are not visible to anyone else until the commit, so they need no
lock. The batch is checked in its order against the amounts as the earlier payments of the
batch left them, so a document paid twice within one batch is never paid beyond its remainder.
Any refusal refuses the whole batch: nothing of it is written.

A difference from one call per payment, on purpose: a supplier invoice paid by several
payments of one batch gets one audit record of its paid amount (before → after the batch)
instead of one per payment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.bulk_update import update_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company, Currency
from xfinances.core.permissions import ensure_can
from xfinances.core.queries import rate_value
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document
from xfinances.notifications import actions as outbox_actions
from xfinances.notifications import queries as outbox_queries
from xfinances.notifications.models import WebhookEndpoint
from xfinances.parties.models import Party
from xfinances.payments import locks
from xfinances.payments.actions import parts
from xfinances.payments.actions.allocation import (
    _Wanted,
    document_allocation,
    supplier_invoice_allocation,
)
from xfinances.payments.actions.common import (
    ZERO,
    _amount,
    _remaining,
)
from xfinances.payments.actions.webhooks import (
    payment_allocated_event,
    payment_received_event,
)
from xfinances.payments.models import (
    Allocation,
    Direction,
    DocumentSettlement,
    Payment,
    PaymentMethod,
    PaymentSource,
)
from xfinances.payments.rates import eur_value
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury.models import Movement

SALES = "sales"
PURCHASE = "purchase"


@dataclass(frozen=True, kw_only=True)
class MatchedPaymentInput:
    """One bank payment to record on its movement and to allocate, as a matching run found
    it (typed values: built by code, not read from what a person typed).

    `allocations`: ("sales", document id, amount) or ("purchase", supplier invoice id,
    amount), the amount in the payment's currency; sales documents are allocated first, then
    supplier invoices, each in the given order (as `record_payment` + `allocate` +
    `allocate_supplier_invoices` would)."""

    movement: Movement  # with its account (the payment's source follows the account's kind)
    direction: str
    date: dt.date
    amount: Decimal
    currency: str
    party: Party | None
    bank_reference: str = ""
    note: str = ""
    allocations: tuple[tuple[str, int, Decimal], ...] = ()


@dataclass
class RecordedPayment:
    """A payment of the batch and the allocations it made, in the order of the input."""

    payment: Payment
    allocations: list[Allocation] = field(default_factory=list)


@dataclass
class _Events:
    """What the webhooks of the batch say, in the order one call per payment sends them."""

    allocated_before: dict[int, Decimal] = field(default_factory=dict)  # allocation → payment's
    remaining: dict[int, Decimal] = field(default_factory=dict)  # allocation → target's left


def _check_payment(
    company: Company,
    n: int,
    item: MatchedPaymentInput,
    taken: set[int],
    errors: Any,
) -> None:
    """`record_payment`'s checks of a payment on a movement (the same messages, named by the
    item's position: `payments.3.movement`)."""
    where = f"payments.{n}"
    movement = item.movement
    if item.direction not in Direction.values:
        errors.add(f"{where}.direction", _("Choose incoming or outgoing."))
    if item.amount is None or item.amount <= 0:
        errors.add(f"{where}.amount", _("Enter the amount."))
    if item.party is not None and item.party.company_id != company.pk:
        errors.add(f"{where}.party", _("No such client or supplier in this company."))
    if movement.company_id != company.pk:
        errors.add(f"{where}.movement", _("No such movement in this company."))
        return
    if abs(movement.amount) != item.amount:
        errors.add(f"{where}.movement", _("The movement's amount differs from the payment's."))
    if (movement.amount > 0) != (item.direction == Direction.IN):
        errors.add(f"{where}.movement", _("The movement goes the other way."))
    if movement.pk in taken:
        errors.add(f"{where}.movement", _("This movement is already a payment."))
    taken.add(movement.pk)
    currency = (item.currency or movement.currency or company.default_currency).upper()
    if currency not in Currency.values:
        errors.add(f"{where}.currency", _("Unknown currency."))


@transaction.atomic
def record_matched_payments(
    actor: Actor, company: Company, items: Sequence[MatchedPaymentInput]
) -> list[RecordedPayment]:
    """Record each item's payment on its movement and allocate it (see the module's text);
    all of the batch or, refused with `InvalidInput`, nothing."""
    ensure_can(actor, company, "payments.change")
    if not items:
        return []
    errors = InvalidInput.collect()
    taken = set(
        Payment.objects.filter(
            company=company, movement_id__in=[item.movement.pk for item in items]
        ).values_list("movement_id", flat=True)
    )
    for n, item in enumerate(items):
        _check_payment(company, n, item, taken, errors)
    errors.raise_if_any()

    # Locks: the documents and their settlement rows, then the supplier invoices, by id.
    sales_ids = {int(i) for item in items for k, i, _a in item.allocations if k == SALES}
    invoice_ids = {int(i) for item in items for k, i, _a in item.allocations if k == PURCHASE}
    if any(k not in (SALES, PURCHASE) for item in items for k, _i, _a in item.allocations):
        raise InvalidInput({"allocations": [_("Choose a document.")]})
    documents = locks.lock_documents(company, sales_ids) if sales_ids else {}
    if len(documents) != len(sales_ids):
        raise InvalidInput({"document": [_("No such document in this company.")]})
    settlements = locks.lock_settlements(company, documents) if documents else {}
    invoices = locks.lock_supplier_invoices(company, invoice_ids) if invoice_ids else {}
    if len(invoices) != len(invoice_ids):
        raise InvalidInput({"supplier_invoice": [_("No such supplier invoice in this company.")]})

    document_parts = parts.of_documents(company.pk, settlements.values())
    invoice_parts = parts.of_supplier_invoices(company.pk, invoices.values())
    now = timezone.now()
    rates: dict[tuple[str, dt.date], Decimal | None] = {}
    recorded: list[RecordedPayment] = []
    created: list[dict[str, Any]] = []  # the payments' audit snapshots, as created
    events = _Events()
    for item in items:
        payment = _new_payment(actor, company, item, rates, now)
        created.append(audit.snapshot(payment))
        done = RecordedPayment(payment)
        payment_parts = parts.Parts()  # a new payment: no parts yet
        for kind, target_id, value in _in_order(item.allocations):
            wanted = _amount(value, errors, "amount")
            errors.raise_if_any()
            before = payment.allocated
            if kind == SALES:
                allocation, left = _allocate_document(
                    actor,
                    payment,
                    documents[int(target_id)],
                    settlements,
                    wanted,
                    now,
                    (payment_parts, document_parts),
                )
            else:
                allocation, left = _allocate_invoice(
                    actor,
                    payment,
                    invoices[int(target_id)],
                    wanted,
                    now,
                    (payment_parts, invoice_parts),
                )
            done.allocations.append(allocation)
            events.allocated_before[id(allocation)] = before
            events.remaining[id(allocation)] = left
        recorded.append(done)

    _write(actor, company, recorded, created, documents, settlements, invoices, now, events)
    return recorded


def _in_order(
    allocations: Sequence[tuple[str, int, Decimal]],
) -> list[tuple[str, int, Decimal]]:
    """Sales documents first, then supplier invoices, each in the given order."""
    return [a for a in allocations if a[0] == SALES] + [a for a in allocations if a[0] != SALES]


def _new_payment(
    actor: Actor,
    company: Company,
    item: MatchedPaymentInput,
    rates: dict[tuple[str, dt.date], Decimal | None],
    now: dt.datetime,
) -> Payment:
    """The payment `record_payment` would create for the item (not saved yet)."""
    movement = item.movement
    currency = (item.currency or movement.currency or company.default_currency).upper()
    key = (currency, item.date)
    if key not in rates:
        rates[key] = rate_value(company, currency, item.date)
    rate = rates[key]
    if rate is None:
        raise InvalidInput(
            {
                "eur_rate": [
                    _("No exchange rate for %(currency)s on %(date)s: enter it.")
                    % {"currency": currency, "date": formatting.date(item.date)}
                ]
            }
        )
    cash = movement.account.kind == "cash"
    return Payment(
        company=company,
        direction=item.direction,
        party=item.party,
        date=item.date,
        amount=item.amount,
        currency=currency,
        eur_rate=rate,
        eur_amount=eur_value(item.amount, rate),
        method=PaymentMethod.BANK_TRANSFER,
        source=PaymentSource.CASH if cash else PaymentSource.BANK,
        movement=movement,
        bank_reference=(item.bank_reference or "").strip()[:100],
        note=(item.note or "").strip()[:500],
        created_by=actor.user,
        created_at=now,
        allocated=ZERO,
    )


def _allocate_document(
    actor: Actor,
    payment: Payment,
    document: Document,
    settlements: dict[int, DocumentSettlement],
    amount: Decimal | None,
    now: dt.datetime,
    known: tuple[parts.Parts, parts.Parts],
) -> tuple[Allocation, Decimal]:
    """`allocate_checked`'s step for one (locked) document, in memory; `known`: the parts of
    the payment and of the batch's documents."""
    row = settlements[document.pk]
    allocation = document_allocation(
        actor, payment, document, row, _Wanted(document, amount, None), known
    )
    allocation.created_at = now
    payment.allocated += allocation.amount
    row.paid += allocation.document_amount
    row.settled = row.paid + row.credited + row.written_off
    return allocation, _remaining(document, row)


def _allocate_invoice(
    actor: Actor,
    payment: Payment,
    invoice: SupplierInvoice,
    amount: Decimal | None,
    now: dt.datetime,
    known: tuple[parts.Parts, parts.Parts],
) -> tuple[Allocation, Decimal]:
    """`allocate_supplier_invoices`' step for one (locked) invoice, in memory; the invoice's
    paid and remaining amounts move as `set_paid_amount` will store them."""
    if payment.direction != Direction.OUT:
        raise InvalidInput(
            {"supplier_invoice": [_("Only an outgoing payment pays a supplier invoice.")]}
        )
    allocation = supplier_invoice_allocation(actor, payment, invoice, amount, None, known)
    allocation.created_at = now
    payment.allocated += allocation.amount
    invoice.amount_paid += allocation.document_amount
    invoice.remaining = max(invoice.total - invoice.amount_paid - invoice.amount_written_off, ZERO)
    return allocation, invoice.remaining


def _rows(instances: Sequence[Any], names: Sequence[str]) -> list[dict[str, Any]]:
    return [{name: getattr(obj, name) for name in names} for obj in instances]


_PAYMENT_COLUMNS = (
    "company_id",
    "direction",
    "party_id",
    "date",
    "amount",
    "currency",
    "eur_rate",
    "eur_amount",
    "method",
    "source",
    "movement_id",
    "bank_reference",
    "note",
    "allocated",
    "created_by_id",
    "created_at",
)
_ALLOCATION_COLUMNS = (
    "company_id",
    "payment_id",
    "document_id",
    "supplier_invoice_id",
    "date",
    "amount",
    "document_amount",
    "exchange_difference_eur",
    "received_eur",
    "booked_eur",
    "created_by_id",
    "created_at",
    "undo_reason",
)


def _write(
    actor: Actor,
    company: Company,
    recorded: list[RecordedPayment],
    created: list[dict[str, Any]],
    documents: dict[int, Document],
    settlements: dict[int, DocumentSettlement],
    invoices: dict[int, SupplierInvoice],
    now: dt.datetime,
    events: _Events,
) -> None:
    """Store what the batch decided: the payments (with what they allocated), the
    allocations, the settlements and the targets' payment state, the audit records, then
    queue the webhook events."""
    payments = [done.payment for done in recorded]
    for payment, pk in zip(
        payments, insert_rows(Payment, _rows(payments, _PAYMENT_COLUMNS)), strict=True
    ):
        payment.pk = pk
        payment._state.adding = False
    allocations = []
    for done in recorded:
        for allocation in done.allocations:
            allocation.payment_id = done.payment.pk  # set once the payment has its id
            allocations.append(allocation)
    ids = insert_rows(Allocation, _rows(allocations, _ALLOCATION_COLUMNS))
    for allocation, pk in zip(allocations, ids, strict=True):
        allocation.pk = pk
        allocation._state.adding = False
    records = audit.Batch(actor, company)
    for done, snapshot in zip(recorded, created, strict=True):
        records.create("record_payment", done.payment, after=snapshot)
        for allocation in done.allocations:
            records.create("allocate", allocation)
    touched = {a.document_id for a in allocations if a.document_id}
    if touched:
        rows = [settlements[pk] for pk in sorted(touched)]
        for row in rows:
            row.updated_at = now
        update_rows(
            DocumentSettlement, rows, ["paid", "credited", "written_off", "settled", "updated_at"]
        )
        invoicing_actions.refresh_payment_statuses(
            actor,
            company.pk,
            [(documents[row.pk], row.paid, row.credited, row.written_off) for row in rows],
        )
    paid = {
        invoice.pk: invoice.amount_paid
        for a in allocations
        if (invoice := a.supplier_invoice) is not None
    }
    if paid:
        stored = purchases_actions.set_paid_amounts(actor, company, paid, records)
        for allocation in allocations:
            if allocation.supplier_invoice_id:
                allocation.supplier_invoice = stored[allocation.supplier_invoice_id]
    records.write()
    _emit(company, recorded, events)


def _emit(company: Company, recorded: list[RecordedPayment], events: _Events) -> None:
    """payment.received and payment.allocated for every payment, through the outbox as one
    call per payment would queue them (the same keys: a rerun queues nothing twice), with
    the company's endpoints read once and the messages written together (`emit_events`)."""
    endpoints: list[WebhookEndpoint] = outbox_queries.active_endpoints(company)
    chosen = {event for endpoint in endpoints for event in (endpoint.events or [])}
    if not {"payment.received", "payment.allocated"} & chosen:
        return
    pending: list[outbox_actions.PendingEvent] = []
    for done in recorded:
        payment = done.payment
        final = payment.allocated
        payment.allocated = ZERO
        if payment.direction == Direction.IN:
            pending.append(payment_received_event(payment))
        for allocation in done.allocations:
            payment.allocated = events.allocated_before[id(allocation)] + allocation.amount
            pending.append(
                payment_allocated_event(payment, allocation, events.remaining[id(allocation)])
            )
        payment.allocated = final
    outbox_actions.emit_events(company, pending, endpoints=endpoints)
