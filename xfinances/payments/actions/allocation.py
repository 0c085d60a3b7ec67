"""Allocating payments to sales documents and to supplier invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from typing_extensions import TypeIs

from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.money import RoundingPoint, round_cent
from xfinances.core.permissions import ensure_can
from xfinances.core.queries import rate_value
from xfinances.invoicing.models import Document, DocumentKind
from xfinances.payments import locks
from xfinances.payments.actions import parts
from xfinances.payments.actions.common import (
    CLAIM_KINDS,
    _amount,
    _check_settleable,
    _remaining,
    _settlement_apply,
)
from xfinances.payments.actions.webhooks import _emit_payment_allocated
from xfinances.payments.models import (
    Allocation,
    Direction,
    DocumentSettlement,
    Payment,
)
from xfinances.payments.rates import difference_of
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import SupplierInvoice

# --- payments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    document: Document
    amount: Decimal | None
    document_amount: Decimal | None


def _document_amount_for(payment: Payment, document: Document, amount: Decimal) -> Decimal:
    """`amount` of the payment currency in the document's currency at the payment date."""
    if payment.currency == document.currency:
        return amount
    rate = rate_value(payment.company, document.currency, payment.date)
    if rate is None:
        raise InvalidInput(
            {
                "document_amount": [
                    _(
                        "No %(currency)s rate on %(date)s: "
                        "enter the amount in the document currency."
                    )
                    % {"currency": document.currency, "date": formatting.date(payment.date)}
                ]
            }
        )
    return round_cent(amount / payment.eur_rate * rate, RoundingPoint.CONVERSION)


def _payment_amount_for(payment: Payment, document: Document, document_amount: Decimal) -> Decimal:
    if payment.currency == document.currency:
        return document_amount
    rate = rate_value(payment.company, document.currency, payment.date)
    if rate is None:
        raise InvalidInput(
            {
                "amount": [
                    _("No %(currency)s rate on %(date)s: enter both amounts.")
                    % {"currency": document.currency, "date": formatting.date(payment.date)}
                ]
            }
        )
    return round_cent(document_amount / rate * payment.eur_rate, RoundingPoint.CONVERSION)


def _check_both_sides(
    payment: Payment,
    *,
    amount: Decimal,
    doc_amount: Decimal,
    unallocated: Decimal,
    remaining: Decimal,
    target_field: str,
    target_number: str,
    target_currency: str,
    nothing_left: str,
) -> None:
    """The allocation invariant, for sales documents and supplier invoices alike: a positive
    amount that exceeds neither what the payment has left nor what the target still owes."""
    if amount <= 0 or doc_amount <= 0:
        if unallocated <= 0:
            raise InvalidInput({"amount": [_("Nothing of this payment is left to allocate.")]})
        raise InvalidInput({target_field: [nothing_left % {"number": target_number}]})
    if amount > unallocated:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of this payment is left to allocate.")
                    % {"left": formatting.amount(unallocated), "currency": payment.currency}
                ]
            }
        )
    if doc_amount > remaining:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of document %(number)s is left to pay.")
                    % {
                        "left": formatting.amount(remaining),
                        "currency": target_currency,
                        "number": target_number,
                    }
                ]
            }
        )


#: What `allocate` takes: (document, amount in the payment currency[, in the document's]).
Target = tuple[Document, object] | tuple[Document, object, object]
SupplierTarget = tuple[SupplierInvoice, object] | tuple[SupplierInvoice, object, object]


def _to_supplier_invoices(
    targets: Sequence[Target] | Sequence[SupplierTarget],
) -> TypeIs[Sequence[SupplierTarget]]:
    """An outgoing payment's targets are supplier invoices (allocate_supplier_invoices)."""
    return any(isinstance(target[0], SupplierInvoice) for target in targets)


def _check_fits_payment(payment: Payment, document: Document) -> None:
    """An incoming payment settles claims, an outgoing one refunds credit notes, of its client."""
    if payment.direction == Direction.IN and document.kind not in CLAIM_KINDS:
        raise InvalidInput(
            {"document": [_("An incoming payment settles invoices and debit notes.")]}
        )
    if payment.direction == Direction.OUT and document.kind != DocumentKind.CREDIT_NOTE:
        raise InvalidInput(
            {"document": [_("An outgoing payment to a client refunds a credit note.")]}
        )
    if payment.party_id and document.party_id and payment.party_id != document.party_id:
        raise InvalidInput(
            {
                "document": [
                    _("Document %(number)s belongs to another client than the payment.")
                    % {"number": document.number}
                ]
            }
        )


def _document_amounts(
    payment: Payment,
    document: Document,
    item: _Wanted,
    unallocated: Decimal,
    remaining: Decimal,
) -> tuple[Decimal, Decimal]:
    """(payment-currency amount, document-currency amount) of one allocation; a missing one
    follows from the other at the booked rates, both missing take what fits."""
    amount, doc_amount = item.amount, item.document_amount
    if amount is None and doc_amount is None:
        if payment.currency == document.currency:
            amount = doc_amount = min(unallocated, remaining)
        else:
            whole = _document_amount_for(payment, document, unallocated)
            if whole <= remaining:
                amount, doc_amount = unallocated, whole
            else:
                doc_amount = remaining
                amount = min(unallocated, _payment_amount_for(payment, document, remaining))
    elif doc_amount is None:
        assert amount is not None
        doc_amount = _document_amount_for(payment, document, amount)
    elif amount is None:
        amount = _payment_amount_for(payment, document, doc_amount)
    elif payment.currency == document.currency and amount != doc_amount:
        raise InvalidInput(
            {
                "document_amount": [
                    _("Both amounts are in %(currency)s: they must be equal.")
                    % {"currency": payment.currency}
                ]
            }
        )
    assert amount is not None and doc_amount is not None
    return amount, doc_amount


def document_allocation(
    actor: Actor,
    payment: Payment,
    document: Document,
    row: DocumentSettlement,
    item: _Wanted,
    known: tuple[parts.Parts, parts.Parts],
) -> Allocation:
    """The allocation of `payment` to one locked sales document (`row`: its settlement), checked
    against what both have left and valued in EUR with `known` (the parts of the payments and
    of the documents), not saved: `allocate` saves it at once, the bank-match batch inserts many
    together."""
    _check_settleable(document, payment.company)
    _check_fits_payment(payment, document)
    remaining = _remaining(document, row)
    unallocated = payment.amount - payment.allocated
    amount, doc_amount = _document_amounts(payment, document, item, unallocated, remaining)
    _check_both_sides(
        payment,
        amount=amount,
        doc_amount=doc_amount,
        unallocated=unallocated,
        remaining=remaining,
        target_field="document",
        target_number=document.number or "",
        target_currency=document.currency,
        nothing_left=_("Document %(number)s has nothing left to pay."),
    )
    payment_parts, document_parts = known
    day = max(payment.date, document.issue_date)
    received = parts.payment_part(payment_parts, payment, amount, day=day)
    booked = parts.document_part(
        document_parts, document, doc_amount, remaining_after=remaining - doc_amount, day=day
    )
    return Allocation(
        company=payment.company,
        payment=payment,
        document=document,
        date=day,
        amount=amount,
        document_amount=doc_amount,
        received_eur=received,
        booked_eur=booked,
        exchange_difference_eur=difference_of(payment.direction, received, booked),
        created_by=actor.user,
    )


@transaction.atomic
def allocate(
    actor: Actor,
    payment: Payment,
    targets: Sequence[Target] | Sequence[SupplierTarget],
) -> list[Allocation]:
    """Allocate `payment` to documents: (document, amount in the payment currency[, amount in
    the document currency]). An amount of None takes what is left (the smaller of the payment's
    unallocated part and the document's remainder). Refused, changing nothing, when a sum would
    exceed the payment or a document's remainder, or a document is voided or of another company."""
    ensure_can(actor, payment.company, "payments.change")
    return allocate_checked(actor, payment, targets)


def allocate_checked(
    actor: Actor,
    payment: Payment,
    targets: Sequence[Target] | Sequence[SupplierTarget],
) -> list[Allocation]:
    """`allocate` inside an action that checked "payments.change" already (one check per
    user action)."""
    if _to_supplier_invoices(targets):
        return _allocate_supplier_invoices(actor, payment, targets)
    company = payment.company
    errors = InvalidInput.collect()
    wanted: list[_Wanted] = []
    for target in targets:
        document = target[0]
        amount = _amount(target[1], errors, "amount") if len(target) > 1 else None
        doc_amount = _amount(target[2], errors, "document_amount") if len(target) > 2 else None
        if not isinstance(document, Document):
            errors.add("document", _("Choose a document."))
            continue
        wanted.append(_Wanted(document, amount, doc_amount))
    errors.raise_if_any()
    if not wanted:
        raise InvalidInput({"document": [_("Choose at least one document.")]})
    for item in wanted:
        _check_settleable(item.document, company)
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    documents = locks.lock_documents(company, [w.document.pk for w in wanted])
    rows = locks.lock_settlements(company, documents)
    known = (
        parts.of_payments(company.pk, [payment]),
        parts.of_documents(company.pk, rows.values()),
    )
    created: list[Allocation] = []
    for item in wanted:
        document = documents[item.document.pk]
        row = rows[document.pk]
        allocation = document_allocation(actor, payment, document, row, item, known)
        allocation.save()
        payment.allocated += allocation.amount
        payment.save(update_fields=["allocated"])
        _settlement_apply(actor, document, row, paid=allocation.document_amount)
        audit.record_create(actor, company, "allocate", allocation)
        _emit_payment_allocated(payment, allocation, _remaining(document, row))
        created.append(allocation)
    return created


def _supplier_invoice_amounts(
    payment: Payment, invoice: SupplierInvoice, amount: Decimal | None, doc: Decimal | None
) -> tuple[Decimal, Decimal]:
    """(payment-currency amount, invoice-currency amount); None takes what fits."""
    unallocated = payment.amount - payment.allocated
    remaining = invoice.remaining
    if payment.currency == invoice.currency:
        if amount is not None and doc is not None and amount != doc:
            raise InvalidInput(
                {
                    "document_amount": [
                        _("Both amounts are in %(currency)s: they must be equal.")
                        % {"currency": payment.currency}
                    ]
                }
            )
        value = amount if amount is not None else doc
        if value is None:
            value = min(unallocated, remaining)
        return value, value
    # Another currency: through EUR at the payment's rate and the invoice's own rate.
    if amount is None and doc is None:
        whole = round_cent(unallocated / payment.eur_rate * invoice.exchange_rate)
        if whole <= remaining:
            return unallocated, whole
        doc = remaining
    if doc is None:
        assert amount is not None
        doc = round_cent(amount / payment.eur_rate * invoice.exchange_rate)
    if amount is None:
        amount = min(unallocated, round_cent(doc / invoice.exchange_rate * payment.eur_rate))
    return amount, doc


def _check_invoice_fits_payment(payment: Payment, invoice: SupplierInvoice) -> None:
    """A payable invoice of the payment's supplier."""
    if not invoice.is_payable:
        raise InvalidInput(
            {
                "supplier_invoice": [
                    _("%(number)s is cancelled, rejected or a credit note: it is not paid.")
                    % {"number": invoice.supplier_number}
                ]
            }
        )
    if payment.party_id and payment.party_id != invoice.supplier_id:
        raise InvalidInput(
            {
                "supplier_invoice": [
                    _("%(number)s belongs to another supplier than the payment.")
                    % {"number": invoice.supplier_number}
                ]
            }
        )


def supplier_invoice_allocation(
    actor: Actor,
    payment: Payment,
    invoice: SupplierInvoice,
    amount: Decimal | None,
    doc_amount: Decimal | None,
    known: tuple[parts.Parts, parts.Parts],
) -> Allocation:
    """The allocation of `payment` to one locked supplier invoice, checked against what both
    have left and not saved (`allocate_supplier_invoices` saves it at once; the bank-match
    batch inserts many together). `known`: the parts of the payments and of the invoices
    (`parts.of_payments`, `parts.of_supplier_invoices`), valued with it."""
    _check_invoice_fits_payment(payment, invoice)
    amount, doc_amount = _supplier_invoice_amounts(payment, invoice, amount, doc_amount)
    _check_both_sides(
        payment,
        amount=amount,
        doc_amount=doc_amount,
        unallocated=payment.amount - payment.allocated,
        remaining=invoice.remaining,
        target_field="supplier_invoice",
        target_number=invoice.supplier_number,
        target_currency=invoice.currency,
        nothing_left=_("%(number)s has nothing left to pay."),
    )
    payment_parts, invoice_parts = known
    day = max(payment.date, invoice.issue_date)
    received = parts.payment_part(payment_parts, payment, amount, day=day)
    booked = parts.supplier_invoice_part(
        invoice_parts, invoice, doc_amount, remaining_after=invoice.remaining - doc_amount, day=day
    )
    return Allocation(
        company=payment.company,
        payment=payment,
        supplier_invoice=invoice,
        date=day,
        amount=amount,
        document_amount=doc_amount,
        received_eur=received,
        booked_eur=booked,
        exchange_difference_eur=difference_of(payment.direction, received, booked),
        created_by=actor.user,
    )


@transaction.atomic
def allocate_supplier_invoices(
    actor: Actor,
    payment: Payment,
    targets: Sequence[tuple[SupplierInvoice, object] | tuple[SupplierInvoice, object, object]],
) -> list[Allocation]:
    """Allocate an OUTGOING payment to supplier invoices: (invoice, amount in the payment
    currency[, amount in the invoice currency]); None takes what fits. Same locks and refusals
    as sales documents (payment first, then the invoices by id; amounts read after the locks):
    never more than the payment has left or the invoice has left to pay. The invoice's paid and
    remaining amounts are kept by `purchases.actions.set_paid_amount`."""
    ensure_can(actor, payment.company, "payments.change")
    return _allocate_supplier_invoices(actor, payment, targets)


def _allocate_supplier_invoices(
    actor: Actor,
    payment: Payment,
    targets: Sequence[tuple[SupplierInvoice, object] | tuple[SupplierInvoice, object, object]],
) -> list[Allocation]:
    """`allocate_supplier_invoices` once the caller checked the permission."""
    company = payment.company
    errors = InvalidInput.collect()
    wanted: list[tuple[SupplierInvoice, Decimal | None, Decimal | None]] = []
    for target in targets:
        invoice = target[0]
        amount = _amount(target[1], errors, "amount") if len(target) > 1 else None
        doc_amount = _amount(target[2], errors, "document_amount") if len(target) > 2 else None
        if not isinstance(invoice, SupplierInvoice) or invoice.company_id != company.pk:
            errors.add("supplier_invoice", _("No such supplier invoice in this company."))
            continue
        wanted.append((invoice, amount, doc_amount))
    errors.raise_if_any()
    if not wanted:
        raise InvalidInput({"supplier_invoice": [_("Choose at least one supplier invoice.")]})
    if payment.direction != Direction.OUT:
        raise InvalidInput(
            {"supplier_invoice": [_("Only an outgoing payment pays a supplier invoice.")]}
        )
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    invoices = locks.lock_supplier_invoices(company, [item[0].pk for item in wanted])
    known = (
        parts.of_payments(company.pk, [payment]),
        parts.of_supplier_invoices(company.pk, invoices.values()),
    )
    created: list[Allocation] = []
    for item, amount, doc_amount in wanted:
        if item.pk not in invoices:
            raise InvalidInput(
                {"supplier_invoice": [_("No such supplier invoice in this company.")]}
            )
        invoice = invoices[item.pk]
        allocation = supplier_invoice_allocation(actor, payment, invoice, amount, doc_amount, known)
        allocation.save()
        payment.allocated += allocation.amount
        payment.save(update_fields=["allocated"])
        invoice = purchases_actions.set_paid_amount(
            actor, invoice, invoice.amount_paid + allocation.document_amount
        )
        invoices[invoice.pk] = invoice
        audit.record_create(actor, company, "allocate", allocation)
        _emit_payment_allocated(payment, allocation, invoice.remaining)
        created.append(allocation)
    return created
