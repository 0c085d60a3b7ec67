"""Every write of the payments area: payments, allocations (and their undo), credit notes
against invoices, write-offs, refunds of a client's credit, reminder levels, pauses and the
reminder run.

Allocation actions lock the payment and the documents (locks.py) before reading any amount
they check, so the sums of allocations never exceed either side, whatever runs at the same
time. Amounts are Decimal; conversions round half-up to the cent (money.RoundingPoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.models import Company, Currency
from xfinances.core.money import BGN_PER_EUR, MoneyError, RoundingPoint, round_cent, to_decimal
from xfinances.core.permissions import ensure_can
from xfinances.core.queries import rate_value
from xfinances.invoicing.actions.delivery import document_data
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.notifications import actions as outbox
from xfinances.notifications import queries as outbox_queries
from xfinances.notifications.events import document_portal_link, first_link
from xfinances.parties.models import Party
from xfinances.payments import dunning, locks, queries
from xfinances.payments.models import (
    Allocation,
    Direction,
    DocumentSettlement,
    DunningLevel,
    DunningPause,
    OverdueNotice,
    Payment,
    PaymentMethod,
    PaymentSettings,
    PaymentSource,
    ReminderRecipients,
    ReminderRun,
    ReminderSent,
    RunKind,
    WriteOff,
)
from xfinances.payments.reminder_email import ReminderText, compose, unknown_placeholders
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury import actions as treasury_actions

ZERO = Decimal("0.00")
CLAIM_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


# --- small readers -------------------------------------------------------------------------------


def _amount(value: object, errors: ErrorCollector, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = to_decimal(value)
    except MoneyError:
        errors.add(field, _("Enter an amount, e.g. 120.50."))
        return None
    if amount <= 0:
        errors.add(field, _("The amount must be greater than zero."))
        return None
    if amount != round_cent(amount):
        errors.add(field, _("Use at most two decimals."))
        return None
    return amount


def _date(value: object, errors: ErrorCollector, field: str = "date") -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(field, _("Enter a date (YYYY-MM-DD)."))
    return None


def settings_of(company: Company) -> PaymentSettings:
    found = PaymentSettings.objects.filter(company=company).first()
    return found or PaymentSettings(company=company)


def document_eur_rate(document: Document) -> Decimal:
    """Units of the document currency per 1 EUR as the document booked it."""
    if document.currency == "EUR":
        return Decimal(1)
    if document.currency == "BGN":
        return BGN_PER_EUR
    if document.total and document.eur_total:
        return document.total / document.eur_total
    if document.exchange_rate:
        return document.exchange_rate
    raise Conflict(
        _("Document %(number)s has no exchange rate.") % {"number": document.number},
        field="document",
    )


def eur_value(amount: Decimal, units_per_eur: Decimal) -> Decimal:
    return round_cent(amount / units_per_eur, RoundingPoint.CONVERSION)


def exchange_difference(
    direction: str,
    payment_amount: Decimal,
    payment_rate: Decimal,
    document_amount: Decimal,
    document_rate: Decimal,
) -> Decimal:
    """The company's gain (+) or loss (−) in EUR: money received is worth more in EUR than the
    claim it settles was booked at (or money paid out is worth less). Pure."""
    received = eur_value(payment_amount, payment_rate)
    booked = eur_value(document_amount, document_rate)
    return received - booked if direction == Direction.IN else booked - received


def _settlement_apply(
    row: DocumentSettlement,
    *,
    paid: Decimal = ZERO,
    credited: Decimal = ZERO,
    written_off: Decimal = ZERO,
) -> None:
    row.paid += paid
    row.credited += credited
    row.written_off += written_off
    row.settled = row.paid + row.credited + row.written_off
    row.save(update_fields=["paid", "credited", "written_off", "settled", "updated_at"])


def _remaining(document: Document, row: DocumentSettlement) -> Decimal:
    return document.total - row.settled


def _check_settleable(document: Document, company: Company, field: str = "document") -> None:
    if document.company_id != company.pk:
        raise InvalidInput({field: [_("No such document in this company.")]})
    if document.status == DocumentStatus.VOIDED:
        raise InvalidInput(
            {
                field: [
                    _("Document %(number)s is voided: nothing can be allocated to it.")
                    % {"number": document.number}
                ]
            }
        )
    if document.status != DocumentStatus.ISSUED:
        raise InvalidInput({field: [_("Only issued documents can be paid.")]})


# --- payments ------------------------------------------------------------------------------------


def _party_data(party: Party | None) -> dict[str, Any] | None:
    if party is None:
        return None
    return {"id": party.pk, "name": party.name, "eik": getattr(party, "eik", "")}


def payment_data(payment: Payment) -> dict[str, Any]:
    """The payment as webhook receivers see it (amounts as strings, never floats)."""
    return {
        "id": payment.pk,
        "direction": payment.direction,
        "date": payment.date.isoformat(),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "allocated": str(payment.allocated),
        "method": payment.method,
        "bank_reference": payment.bank_reference,
        "party": _party_data(payment.party),
    }


def _emit_payment_received(payment: Payment) -> None:
    outbox.emit_event(
        payment.company,
        "payment.received",
        payment_data(payment),
        key_suffix=f"payment{payment.pk}",
    )


def _emit_payment_allocated(payment: Payment, allocation: Allocation, remaining: Decimal) -> None:
    data: dict[str, Any] = {
        "allocation": {
            "id": allocation.pk,
            "date": allocation.date.isoformat(),
            "amount": str(allocation.amount),
            "document_amount": str(allocation.document_amount),
        },
        "payment": payment_data(payment),
    }
    document = allocation.document
    if document is not None:
        data["document"] = {
            "id": document.pk,
            "kind": document.kind,
            "number": document.number,
            "total": str(document.total),
            "currency": document.currency,
            "remaining": str(remaining),
        }
    invoice = allocation.supplier_invoice
    if invoice is not None:
        data["supplier_invoice"] = {
            "id": invoice.pk,
            "kind": invoice.kind,
            "number": invoice.supplier_number,
            "total": str(invoice.total),
            "currency": invoice.currency,
            "remaining": str(remaining),
        }
    outbox.emit_event(
        payment.company,
        "payment.allocated",
        data,
        document_id=document.pk if document is not None else None,
        key_suffix=f"allocation{allocation.pk}",
    )


@transaction.atomic
def record_payment(
    actor: Actor,
    company: Company,
    *,
    direction: str,
    date: object,
    amount: object,
    currency: str = "",
    party: Party | None = None,
    method: str = PaymentMethod.BANK_TRANSFER,
    account: Any = None,
    movement: Any = None,
    bank_reference: str = "",
    note: str = "",
    eur_rate: object = None,
    allocations: Sequence[tuple[Document, object]] = (),
) -> Payment:
    """A payment in or out. With `account` (a treasury MoneyAccount) the movement is created
    there through the treasury's action; with `movement` an existing movement is linked;
    otherwise it is entered by hand. `allocations`: (document, amount in the payment currency)
    pairs allocated in the same transaction."""
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    if direction not in Direction.values:
        errors.add("direction", _("Choose incoming or outgoing."))
    day = _date(date, errors)
    value = _amount(amount, errors, "amount")
    if value is None and "amount" not in errors.errors:
        errors.add("amount", _("Enter the amount."))
    currency = (currency or "").upper()
    if account is not None:
        if account.company_id != company.pk:
            errors.add("account", _("No such account in this company."))
        elif currency and currency != account.currency:
            errors.add(
                "currency",
                _("The account holds %(currency)s only.") % {"currency": account.currency},
            )
        currency = currency or account.currency
    if movement is not None:
        if movement.company_id != company.pk:
            errors.add("movement", _("No such movement in this company."))
        else:
            if value is not None and abs(movement.amount) != value:
                errors.add("movement", _("The movement's amount differs from the payment's."))
            if (movement.amount > 0) != (direction == Direction.IN):
                errors.add("movement", _("The movement goes the other way."))
            currency = currency or movement.currency
            if Payment.objects.filter(company=company, movement=movement).exists():
                errors.add("movement", _("This movement is already a payment."))
    currency = currency or company.default_currency
    if currency not in Currency.values:
        errors.add("currency", _("Unknown currency."))
    if party is not None and party.company_id != company.pk:
        errors.add("party", _("No such client or supplier in this company."))
    if method not in PaymentMethod.values:
        errors.add("method", _("Unknown payment method."))
    rate: Decimal | None = None
    if eur_rate not in (None, ""):
        try:
            rate = to_decimal(eur_rate)
            if rate <= 0:
                raise MoneyError
        except MoneyError:
            errors.add("eur_rate", _("Enter the rate as units of the currency per 1 EUR."))
    elif day is not None and currency in Currency.values:
        rate = rate_value(company, currency, day)
        if rate is None:
            errors.add(
                "eur_rate",
                _("No exchange rate for %(currency)s on %(date)s: enter it.")
                % {"currency": currency, "date": day.isoformat()},
            )
    errors.raise_if_any()
    assert day is not None and value is not None and rate is not None
    source = PaymentSource.MANUAL
    if account is not None:
        movement = treasury_actions.create_movement(
            actor,
            account,
            date=day,
            direction=direction,
            amount=value,
            counterparty_name=party.name if party else "",
            bank_reference=bank_reference,
            description=note or _("Payment"),
        )
    if movement is not None:
        source = PaymentSource.CASH if movement.account.kind == "cash" else PaymentSource.BANK
    payment = Payment.objects.create(
        company=company,
        direction=direction,
        party=party,
        date=day,
        amount=value,
        currency=currency,
        eur_rate=rate,
        eur_amount=eur_value(value, rate),
        method=method,
        source=source,
        movement=movement,
        bank_reference=(bank_reference or "").strip()[:100],
        note=(note or "").strip()[:500],
        created_by=actor.user,
    )
    audit.record_create(actor, company, "record_payment", payment)
    if direction == Direction.IN:
        _emit_payment_received(payment)
    if allocations:
        allocate(actor, payment, allocations)
    return payment


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
                    % {"currency": document.currency, "date": payment.date.isoformat()}
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
                    % {"currency": document.currency, "date": payment.date.isoformat()}
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
                    % {"left": unallocated, "currency": payment.currency}
                ]
            }
        )
    if doc_amount > remaining:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of document %(number)s is left to pay.")
                    % {"left": remaining, "currency": target_currency, "number": target_number}
                ]
            }
        )


@transaction.atomic
def allocate(
    actor: Actor,
    payment: Payment,
    targets: Sequence[tuple[Document, object] | tuple[Document, object, object]],
) -> list[Allocation]:
    """Allocate `payment` to documents: (document, amount in the payment currency[, amount in
    the document currency]). An amount of None takes what is left (the smaller of the payment's
    unallocated part and the document's remainder). Refused, changing nothing, when a sum would
    exceed the payment or a document's remainder, or a document is voided or of another company."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    if any(isinstance(target[0], SupplierInvoice) for target in targets):
        return allocate_supplier_invoices(actor, payment, targets)  # type: ignore[arg-type]
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
    created: list[Allocation] = []
    for item in wanted:
        document = documents[item.document.pk]
        _check_settleable(document, company)
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
        row = rows[document.pk]
        remaining = _remaining(document, row)
        unallocated = payment.amount - payment.allocated
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
        difference = exchange_difference(
            payment.direction, amount, payment.eur_rate, doc_amount, document_eur_rate(document)
        )
        allocation = Allocation.objects.create(
            company=company,
            payment=payment,
            document=document,
            date=max(payment.date, document.issue_date),
            amount=amount,
            document_amount=doc_amount,
            exchange_difference_eur=difference,
            created_by=actor.user,
        )
        payment.allocated += amount
        payment.save(update_fields=["allocated"])
        _settlement_apply(row, paid=doc_amount)
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
    company = payment.company
    ensure_can(actor, company, "payments.change")
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
    created: list[Allocation] = []
    for item, amount, doc_amount in wanted:
        if item.pk not in invoices:
            raise InvalidInput(
                {"supplier_invoice": [_("No such supplier invoice in this company.")]}
            )
        invoice = invoices[item.pk]
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
        unallocated = payment.amount - payment.allocated
        remaining = invoice.remaining
        amount, doc_amount = _supplier_invoice_amounts(payment, invoice, amount, doc_amount)
        _check_both_sides(
            payment,
            amount=amount,
            doc_amount=doc_amount,
            unallocated=unallocated,
            remaining=remaining,
            target_field="supplier_invoice",
            target_number=invoice.supplier_number,
            target_currency=invoice.currency,
            nothing_left=_("%(number)s has nothing left to pay."),
        )
        allocation = Allocation.objects.create(
            company=company,
            payment=payment,
            supplier_invoice=invoice,
            date=max(payment.date, invoice.issue_date),
            amount=amount,
            document_amount=doc_amount,
            exchange_difference_eur=exchange_difference(
                payment.direction, amount, payment.eur_rate, doc_amount, invoice.exchange_rate
            ),
            created_by=actor.user,
        )
        payment.allocated += amount
        payment.save(update_fields=["allocated"])
        invoice = purchases_actions.set_paid_amount(
            actor, invoice, invoice.amount_paid + doc_amount
        )
        invoices[invoice.pk] = invoice
        audit.record_create(actor, company, "allocate", allocation)
        _emit_payment_allocated(payment, allocation, invoice.remaining)
        created.append(allocation)
    return created


def _note_to_target_amount(note: Document, target: Document, amount: Decimal) -> Decimal:
    if note.currency == target.currency:
        return amount
    return round_cent(
        amount / document_eur_rate(note) * document_eur_rate(target), RoundingPoint.CONVERSION
    )


@transaction.atomic
def apply_credit_note(
    actor: Actor, credit_note: Document, document: Document | None = None, amount: object = None
) -> Allocation:
    """Offset a credit note against the invoice it corrects (or `document` of the same client):
    an allocation without money. `amount` (note currency) defaults to what both sides allow."""
    company = credit_note.company
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    errors.raise_if_any()
    _check_settleable(credit_note, company, "credit_note")
    if credit_note.kind != DocumentKind.CREDIT_NOTE:
        raise InvalidInput({"credit_note": [_("This is not a credit note.")]})
    target = document or credit_note.corrected_document
    if target is None:
        raise InvalidInput({"document": [_("Choose the invoice the credit note settles.")]})
    _check_settleable(target, company)
    if target.kind not in CLAIM_KINDS:
        raise InvalidInput({"document": [_("A credit note settles invoices and debit notes.")]})
    if credit_note.party_id != target.party_id:
        raise InvalidInput({"document": [_("The invoice belongs to another client.")]})
    documents = locks.lock_documents(company, [credit_note.pk, target.pk])
    rows = locks.lock_settlements(company, documents)
    note, target = documents[credit_note.pk], documents[target.pk]
    note_left = _remaining(note, rows[note.pk])
    target_left = _remaining(target, rows[target.pk])
    if note_left <= 0:
        raise InvalidInput({"credit_note": [_("This credit note is already used in full.")]})
    if target_left <= 0:
        raise InvalidInput(
            {
                "document": [
                    _("Document %(number)s has nothing left to pay.") % {"number": target.number}
                ]
            }
        )
    if value is None:
        if note.currency == target.currency:
            value = doc_amount = min(note_left, target_left)
        else:
            whole = _note_to_target_amount(note, target, note_left)
            if whole <= target_left:
                value, doc_amount = note_left, whole
            else:
                doc_amount = target_left
                value = min(note_left, _note_to_target_amount(target, note, target_left))
    else:
        doc_amount = _note_to_target_amount(note, target, value)
    if value > note_left:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of the credit note is left.")
                    % {"left": note_left, "currency": note.currency}
                ]
            }
        )
    if doc_amount > target_left:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of document %(number)s is left to pay.")
                    % {"left": target_left, "currency": target.currency, "number": target.number}
                ]
            }
        )
    allocation = Allocation.objects.create(
        company=company,
        credit_note=note,
        document=target,
        date=max(note.issue_date, target.issue_date),
        amount=value,
        document_amount=doc_amount,
        created_by=actor.user,
    )
    _settlement_apply(rows[note.pk], credited=value)
    _settlement_apply(rows[target.pk], credited=doc_amount)
    audit.record_create(actor, company, "apply_credit_note", allocation)
    return allocation


def apply_open_credit_notes(actor: Actor, company: Company) -> int:
    """Offset every issued credit note that still has something left against the invoice it
    corrects, while that invoice has something left. Each in its own transaction. Returns how
    many allocations were made."""
    notes = (
        Document.objects.filter(
            company=company,
            kind=DocumentKind.CREDIT_NOTE,
            status=DocumentStatus.ISSUED,
            corrected_document__status=DocumentStatus.ISSUED,
        )
        .filter(Q(settlement__isnull=True) | Q(settlement__settled__lt=F("total")))
        .exclude(corrected_document__settlement__settled__gte=F("corrected_document__total"))
        .order_by("pk")
    )
    made = 0
    for note in notes:
        try:
            apply_credit_note(actor, note)
            made += 1
        except InvalidInput:
            continue
    return made


@transaction.atomic
def undo_allocation(actor: Actor, allocation: Allocation, *, reason: str) -> Allocation:
    """Give an allocation's amounts back to both sides. The row stays (undone_at/by, reason)."""
    company = allocation.company
    ensure_can(actor, company, "payments.change")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the allocation is undone.")]})
    if allocation.payment_id:
        payments = locks.lock_payments(company, [allocation.payment_id])
    document_ids = [i for i in (allocation.document_id, allocation.credit_note_id) if i]
    invoices = (
        locks.lock_supplier_invoices(company, [allocation.supplier_invoice_id])
        if allocation.supplier_invoice_id
        else {}
    )
    locks.lock_documents(company, document_ids)
    rows = locks.lock_settlements(company, document_ids)
    allocation = Allocation.objects.select_for_update().get(company=company, pk=allocation.pk)
    if allocation.undone_at is not None:
        raise Conflict(_("This allocation is already undone."))
    before = audit.snapshot(allocation)
    allocation.undone_at = timezone.now()
    allocation.undone_by = actor.user
    allocation.undo_reason = reason[:300]
    allocation.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if allocation.payment_id:
        payment = payments[allocation.payment_id]
        payment.allocated -= allocation.amount
        payment.save(update_fields=["allocated"])
        if allocation.supplier_invoice_id:
            invoice = invoices[allocation.supplier_invoice_id]
            purchases_actions.set_paid_amount(
                actor, invoice, max(invoice.amount_paid - allocation.document_amount, ZERO)
            )
        else:
            assert allocation.document_id is not None
            _settlement_apply(rows[allocation.document_id], paid=-allocation.document_amount)
    else:
        assert allocation.document_id is not None
        assert allocation.credit_note_id is not None
        _settlement_apply(rows[allocation.credit_note_id], credited=-allocation.amount)
        _settlement_apply(rows[allocation.document_id], credited=-allocation.document_amount)
    audit.record_update(actor, company, "undo_allocation", allocation, before, reason=reason)
    return allocation


@transaction.atomic
def write_off(
    actor: Actor, document: Document, *, reason: str, amount: object = None, date: object = None
) -> WriteOff:
    """Write off a small remainder (at most the company's tolerance in EUR) with a reason."""
    company = document.company
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    day = _date(date, errors) if date not in (None, "") else timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("Say why the difference is written off."))
    errors.raise_if_any()
    _check_settleable(document, company)
    if document.kind not in CLAIM_KINDS:
        raise InvalidInput({"document": [_("Only invoices and debit notes can be written off.")]})
    document = locks.lock_documents(company, [document.pk])[document.pk]
    row = locks.lock_settlements(company, [document.pk])[document.pk]
    remaining = _remaining(document, row)
    if remaining <= 0:
        raise InvalidInput({"document": [_("Nothing is left to write off.")]})
    value = remaining if value is None else value
    if value > remaining:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s is left.")
                    % {"left": remaining, "currency": document.currency}
                ]
            }
        )
    tolerance = settings_of(company).write_off_tolerance_eur
    if eur_value(value, document_eur_rate(document)) > tolerance:
        raise InvalidInput(
            {
                "amount": [
                    _("Write-offs are limited to %(tolerance)s EUR (company settings).")
                    % {"tolerance": tolerance}
                ]
            }
        )
    assert day is not None
    item = WriteOff.objects.create(
        company=company,
        document=document,
        date=day,
        amount=value,
        reason=reason[:300],
        created_by=actor.user,
    )
    _settlement_apply(row, written_off=value)
    audit.record_create(actor, company, "write_off", item)
    return item


@transaction.atomic
def undo_write_off(actor: Actor, item: WriteOff, *, reason: str) -> WriteOff:
    company = item.company
    ensure_can(actor, company, "payments.change")
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why the write-off is undone.")]})
    locks.lock_documents(company, [item.document_id])
    row = locks.lock_settlements(company, [item.document_id])[item.document_id]
    item = WriteOff.objects.select_for_update().get(company=company, pk=item.pk)
    if item.undone_at is not None:
        raise Conflict(_("This write-off is already undone."))
    before = audit.snapshot(item)
    item.undone_at = timezone.now()
    item.save(update_fields=["undone_at"])
    _settlement_apply(row, written_off=-item.amount)
    audit.record_update(actor, company, "undo_write_off", item, before, reason=reason.strip())
    return item


@transaction.atomic
def refund_credit(
    actor: Actor,
    payment: Payment,
    *,
    amount: object,
    date: object,
    account: Any = None,
    note: str = "",
) -> Payment:
    """Return (part of) the unallocated rest of an incoming payment (the client's credit): an
    outgoing payment linked by `refund_of`, through `account` when given."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    if value is None and "amount" not in errors.errors:
        errors.add("amount", _("Enter the amount."))
    _date(date, errors)
    errors.raise_if_any()
    assert value is not None
    if payment.direction != Direction.IN:
        raise InvalidInput({"payment": [_("Only an incoming payment's credit can be refunded.")]})
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    if value > payment.unallocated:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of this payment is left.")
                    % {"left": payment.unallocated, "currency": payment.currency}
                ]
            }
        )
    refund = record_payment(
        actor,
        company,
        direction=Direction.OUT,
        date=date,
        amount=value,
        currency=payment.currency,
        party=payment.party,
        method=payment.method,
        account=account,
        note=note or _("Refund of a payment"),
        eur_rate=payment.eur_rate,
    )
    refund.refund_of = payment
    refund.allocated = value
    refund.save(update_fields=["refund_of", "allocated"])
    payment.allocated += value
    payment.save(update_fields=["allocated"])
    audit.record_event(
        actor, company, "refund_credit", payment, {"refund": refund.pk, "amount": value}
    )
    return refund


# --- reminders (dunning) -------------------------------------------------------------------------

DEFAULT_LEVELS: list[dict[str, Any]] = [
    {
        "name": "Friendly notice",
        "days_after_due": -3,
        "subject_bg": "Напомняне: предстоящ падеж – {company}",
        "body_bg": "Здравейте,\n\nнапомняме, че наближава падежът на следните документи:\n\n"
        "{documents}\n\n{how_to_pay}\n\nПортал: {portal_link}\n\nПоздрави,\n{company}",
        "subject_en": "Reminder: payment due soon – {company}",
        "body_en": "Hello,\n\nthis is a friendly reminder that these documents fall due soon:\n\n"
        "{documents}\n\n{how_to_pay}\n\nPortal: {portal_link}\n\nKind regards,\n{company}",
    },
    {
        "name": "First reminder",
        "days_after_due": 3,
        "subject_bg": "Просрочени плащания – {company}",
        "body_bg": "Здравейте,\n\nследните документи са с изтекъл срок за плащане:\n\n"
        "{documents}\n\nОбщо дължимо: {total}\n\n{how_to_pay}\n\nПортал: {portal_link}\n\n"
        "Поздрави,\n{company}",
        "subject_en": "Overdue payments – {company}",
        "body_en": "Hello,\n\nthe following documents are past their due date:\n\n"
        "{documents}\n\nTotal due: {total}\n\n{how_to_pay}\n\nPortal: {portal_link}\n\n"
        "Kind regards,\n{company}",
    },
    {"name": "Second reminder", "days_after_due": 15},
    {"name": "Third reminder", "days_after_due": 30, "charge_interest": True},
    {
        "name": "Final notice",
        "days_after_due": 45,
        "charge_interest": True,
        "recipients": ReminderRecipients.BOTH,
    },
]


@transaction.atomic
def ensure_default_levels(actor: Actor, company: Company) -> list[DunningLevel]:
    """The usual five levels, when the company has none yet."""
    ensure_can(actor, company, "dunning.manage")
    existing = list(DunningLevel.objects.filter(company=company))
    if existing:
        return existing
    first_overdue = DEFAULT_LEVELS[1]
    made = []
    for spec in DEFAULT_LEVELS:
        data = {
            key: first_overdue[key] for key in ("subject_bg", "body_bg", "subject_en", "body_en")
        }
        data.update(spec)
        level = DunningLevel.objects.create(company=company, **data)
        audit.record_create(actor, company, "ensure_default_levels", level)
        made.append(level)
    return made


LEVEL_FIELDS = (
    "name",
    "days_after_due",
    "subject_bg",
    "body_bg",
    "subject_en",
    "body_en",
    "charge_interest",
    "fee",
    "recipients",
    "is_active",
)


def _clean_level(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    ensure_known_fields(data, LEVEL_FIELDS, "level")
    clean = dict(data)
    for key in ("name", "subject_bg", "subject_en", "body_bg", "body_en"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
            if not clean[key]:
                errors.add(key, _("This field is required."))
    if "days_after_due" in clean:
        try:
            clean["days_after_due"] = int(clean["days_after_due"])
            if abs(clean["days_after_due"]) > 3650:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("days_after_due", _("Enter a whole number of days (negative: before)."))
    if "fee" in clean:
        try:
            clean["fee"] = to_decimal(clean["fee"] or "0")
            if clean["fee"] < 0:
                raise MoneyError
        except MoneyError:
            errors.add("fee", _("Enter an amount, e.g. 10.00."))
    for key in ("subject_bg", "subject_en", "body_bg", "body_en"):
        unknown_names = unknown_placeholders(clean.get(key) or "")
        if unknown_names:
            errors.add(
                key,
                _("Unknown placeholders: %(names)s.") % {"names": ", ".join(unknown_names)},
            )
    if "recipients" in clean and clean["recipients"] not in ReminderRecipients.values:
        errors.add("recipients", _("Choose who receives it."))
    return clean


@transaction.atomic
def save_level(
    actor: Actor, company: Company, level: DunningLevel | None = None, **data: Any
) -> DunningLevel:
    ensure_can(actor, company, "dunning.manage")
    if level is not None and level.company_id != company.pk:
        raise InvalidInput({"level": [_("No such level in this company.")]})
    errors = InvalidInput.collect()
    if level is None:
        for key in ("name", "days_after_due", "subject_bg", "body_bg", "subject_en", "body_en"):
            data.setdefault(key, "")
    clean = _clean_level(data, errors)
    errors.raise_if_any()
    day: int = clean.get("days_after_due", level.days_after_due if level else 0)
    clash = DunningLevel.objects.filter(company=company, days_after_due=day)
    if level is not None:
        clash = clash.exclude(pk=level.pk)
    if clash.exists():
        raise Conflict(_("Another level is already sent on that day."), field="days_after_due")
    if level is None:
        level = DunningLevel.objects.create(company=company, **clean)
        audit.record_create(actor, company, "save_level", level)
        return level
    before = audit.snapshot(level)
    for key, value in clean.items():
        setattr(level, key, value)
    level.save()
    audit.record_update(actor, company, "save_level", level, before)
    return level


@transaction.atomic
def update_payment_settings(actor: Actor, company: Company, **data: Any) -> PaymentSettings:
    ensure_can(actor, company, "dunning.manage")
    allowed = {
        "write_off_tolerance_eur",
        "interest_base_rate",
        "interest_margin",
        "reminders_enabled",
        "reminder_hour",
        "payment_instructions",
    }
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    errors = InvalidInput.collect()
    for key in ("write_off_tolerance_eur", "interest_base_rate", "interest_margin"):
        if key in data:
            try:
                data[key] = to_decimal(data[key])
                if data[key] < 0:
                    raise MoneyError
            except MoneyError:
                errors.add(key, _("Enter a number that is not negative."))
    if "reminder_hour" in data:
        try:
            data["reminder_hour"] = int(data["reminder_hour"])
            if not 0 <= data["reminder_hour"] <= 23:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("reminder_hour", _("Enter an hour from 0 to 23."))
    errors.raise_if_any()
    row, _created = PaymentSettings.objects.select_for_update().get_or_create(company=company)
    before = audit.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value)
    row.save()
    audit.record_update(actor, company, "update_payment_settings", row, before)
    return row


@transaction.atomic
def delete_level(actor: Actor, level: DunningLevel) -> None:
    """Remove a level that was never sent; one that was stays in the history (deactivate it)."""
    ensure_can(actor, level.company, "dunning.manage")
    if ReminderSent.objects.filter(company=level.company, level=level).exists():
        raise Conflict(
            _("Reminders of this level were sent: deactivate it instead of deleting it."),
            field="level",
        )
    audit.record_delete(actor, level.company, "delete_level", level)
    level.delete()


@transaction.atomic
def pause_reminders(
    actor: Actor,
    company: Company,
    *,
    reason: str,
    until: object,
    document: Document | None = None,
    party: Party | None = None,
) -> DunningPause:
    """No reminders for a document or a client until `until` (inclusive)."""
    ensure_can(actor, company, "dunning.manage")
    errors = InvalidInput.collect()
    day = _date(until, errors, "until")
    if not (reason or "").strip():
        errors.add("reason", _("Say why reminders are paused."))
    if (document is None) == (party is None):
        errors.add("__all__", _("Pause either one document or one client."))
    if document is not None and document.company_id != company.pk:
        errors.add("document", _("No such document in this company."))
    if party is not None and party.company_id != company.pk:
        errors.add("party", _("No such client in this company."))
    if day is not None and day < timezone.localdate():
        errors.add("until", _("The end date is in the past."))
    errors.raise_if_any()
    assert day is not None
    pause = DunningPause.objects.create(
        company=company,
        document=document,
        party=party,
        reason=reason.strip()[:300],
        until=day,
        created_by=actor.user,
    )
    audit.record_create(actor, company, "pause_reminders", pause)
    return pause


@transaction.atomic
def end_pause(actor: Actor, pause: DunningPause) -> DunningPause:
    ensure_can(actor, pause.company, "dunning.manage")
    if pause.ended_at is not None:
        return pause
    before = audit.snapshot(pause)
    pause.ended_at = timezone.now()
    pause.save(update_fields=["ended_at"])
    audit.record_update(actor, pause.company, "end_pause", pause, before)
    return pause


# --- the reminder run ----------------------------------------------------------------------------

STALE_RUN_MINUTES = 30


@dataclass
class RunResult:
    run: ReminderRun
    emails: int
    reminders: int


def _claim_run(actor: Actor, company: Company, run_date: dt.date, kind: str) -> ReminderRun | None:
    """Insert the run row (unique per company and day for scheduled runs). A second worker
    gets None; a crashed run older than STALE_RUN_MINUTES is taken over."""
    try:
        with transaction.atomic():
            return ReminderRun.objects.create(
                company=company, run_date=run_date, kind=kind, started_by=actor.user
            )
    except IntegrityError:
        pass
    now = timezone.now()
    taken = ReminderRun.objects.filter(
        company=company,
        run_date=run_date,
        kind=RunKind.SCHEDULED,
        finished_at__isnull=True,
        started_at__lt=now - dt.timedelta(minutes=STALE_RUN_MINUTES),
    ).update(started_at=now)
    if taken:
        return ReminderRun.objects.get(company=company, run_date=run_date, kind=RunKind.SCHEDULED)
    return None


def _reminder_recipients(party: Party, level: DunningLevel) -> tuple[list[str], list[Any]]:
    """(client e-mails, responsible users) a level's e-mail goes to."""
    client: list[str] = []
    if level.recipients in (ReminderRecipients.CLIENT, ReminderRecipients.BOTH):
        client = [c.email for c in party.contacts.all() if c.receives_reminders and c.email]
        if not client and party.email:
            client = [party.email]
    employees = []
    if (
        level.recipients in (ReminderRecipients.RESPONSIBLE, ReminderRecipients.BOTH)
        and party.responsible is not None
        and party.responsible.is_active
    ):
        employees = [party.responsible]
    return client, employees


def reminder_language(party: Party, company: Company) -> str:
    language = party.language or company.document_language
    return "en" if language == "en" or (language == "bg-en" and party.country != "BG") else "bg"


def compose_reminder(
    company: Company,
    party: Party,
    email: dunning.PlannedEmail,
    level: DunningLevel,
    portal_link: str,
) -> tuple[str, ReminderText]:
    language = reminder_language(party, company)
    subject, body = (
        (level.subject_en, level.body_en) if language == "en" else (level.subject_bg, level.body_bg)
    )
    return language, compose(
        email,
        subject=subject,
        body=body,
        language=language,
        company=company.name,
        client=party.name,
        how_to_pay=_how_to_pay(company),
        portal_link=portal_link,
    )


def _how_to_pay(company: Company) -> str:
    own = settings_of(company).payment_instructions.strip()
    if own:
        return own
    accounts = list(company.bank_accounts.all()[:3])
    return "\n".join(f"IBAN {a.iban} {a.bic} ({a.currency})".strip() for a in accounts)


def _portal_link(document: Document | None) -> str:
    """The portal's link to the document ("" when no portal answers)."""
    if document is None:
        return ""
    return first_link(document_portal_link, document=document, email="")


def _send_planned(
    actor: Actor,
    company: Company,
    run: ReminderRun,
    email: dunning.PlannedEmail,
    records: list[dunning.Record],
    levels: dict[int, DunningLevel],
) -> bool:
    """Record the (level, document) rows and queue the e-mail(s), in ONE transaction. False when
    another run recorded one of these levels first (then nothing of this e-mail is written)."""
    party = Party.objects.select_related("responsible").get(company=company, pk=email.party_id)
    level = levels[email.level_id]
    by_doc = {line.document.id: line for line in email.lines}
    try:
        with transaction.atomic():
            rows = ReminderSent.objects.bulk_create(
                [
                    ReminderSent(
                        company=company,
                        level_id=record.level_id,
                        document_id=record.document_id,
                        party_id=record.party_id,
                        run=run,
                        run_date=run.run_date,
                        superseded=record.superseded,
                        remaining=by_doc[record.document_id].document.remaining,
                        days_overdue=by_doc[record.document_id].days_overdue,
                        interest=by_doc[record.document_id].interest,
                    )
                    for record in records
                ]
            )
            first = Document.objects.filter(
                company=company, pk=email.triggering[0].document.id
            ).first()
            client, employees = _reminder_recipients(party, level)
            link = _portal_link(first) if client else ""
            language, text = compose_reminder(company, party, email, level, link)
            message_id = None
            keys = f"reminder:{run.run_date.isoformat()}:{party.pk}:{level.pk}"
            targets: list[tuple[str, list[str]]] = []
            if client:
                targets.append(("client", client))
            for user in employees:
                targets.append((f"user{user.pk}", [user.email]))
            for suffix, recipients in targets:
                message, _created = outbox.queue_email(
                    company,
                    to=recipients,
                    subject=text.subject,
                    body_text=text.text,
                    reply_to=company.email,
                    document_id=first.pk if first is not None else None,
                    kind="reminder",
                    idempotency_key=f"{keys}:{suffix}",
                    actor=actor,
                    language=language,
                )
                message_id = message_id or message.pk
            if employees:
                outbox.notify(
                    company,
                    employees,
                    "payment_reminder",
                    _("Payment reminder (%(level)s) for %(client)s")
                    % {"level": level.name, "client": party.name},
                )
            ReminderSent.objects.filter(pk__in=[r.pk for r in rows if r.pk]).update(
                message_id=message_id
            )
            audit.record_event(
                actor,
                company,
                "send_reminder",
                party,
                {
                    "level": level.name,
                    "documents": [r.document_id for r in records if not r.superseded],
                    "recipients": [r for _s, rs in targets for r in rs],
                },
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def emit_overdue_events(company: Company, run: ReminderRun) -> int:
    """`document.overdue` once per document: open claims whose due date is before the run's day
    and that have no `OverdueNotice` yet get one (and the webhook event, in the same
    transaction). Markers are written even when no endpoint wants the event, so an endpoint
    added later is not flooded with old documents. Returns how many documents were new."""
    fresh = dict(
        queries.open_claims(company)  # type: ignore[misc]  # settled_amount is an annotation
        .filter(due_date__lt=run.run_date)
        .filter(~Exists(OverdueNotice.objects.filter(company=company, document=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "settled_amount")
    )
    if not fresh:
        return 0
    OverdueNotice.objects.bulk_create(
        [
            OverdueNotice(company=company, document_id=pk, run=run, seen_on=run.run_date)
            for pk in fresh
        ],
        ignore_conflicts=True,  # a concurrent manual run marked some first: it emits those
        batch_size=2000,
    )
    ours = set(
        OverdueNotice.objects.filter(company=company, run=run).values_list("document_id", flat=True)
    )
    wanted = any(
        "document.overdue" in (endpoint.events or [])
        for endpoint in outbox_queries.active_endpoints(company)
    )
    if wanted:
        for document in Document.objects.filter(company=company, pk__in=ours).order_by("pk"):
            data = document_data(document)
            data["remaining"] = str(document.total - fresh[document.pk])
            assert document.due_date is not None
            data["days_overdue"] = (run.run_date - document.due_date).days
            outbox.emit_event(
                company, "document.overdue", data, document_id=document.pk, key_suffix="overdue"
            )
    return len(ours)


def run_reminders(
    actor: Actor, company: Company, run_date: dt.date, *, kind: str = RunKind.SCHEDULED
) -> RunResult | None:
    """The reminders of `run_date`: claim the run (a scheduled one once per company and day),
    offset open credit notes, plan (dunning.plan) and send one e-mail per client, each in its own
    transaction together with its ReminderSent rows. None when another worker has the run."""
    ensure_can(actor, company, "dunning.manage")
    if kind == RunKind.SCHEDULED and not settings_of(company).reminders_enabled:
        return None
    run = _claim_run(actor, company, run_date, kind)
    if run is None:
        return None
    apply_open_credit_notes(Actor.system(actor.source) if actor.user is None else actor, company)
    emit_overdue_events(company, run)
    planned, levels = queries.reminder_plan(company, run_date)
    records_by_party: dict[int, list[dunning.Record]] = {}
    for record in planned.records:
        records_by_party.setdefault(record.party_id, []).append(record)
    emails = reminders = 0
    for email in planned.emails:
        records = records_by_party.get(email.party_id, [])
        if _send_planned(actor, company, run, email, records, levels):
            emails += 1
            reminders += sum(1 for r in records if not r.superseded)
    run.finished_at = timezone.now()
    run.emails, run.reminders = emails, reminders
    run.save(update_fields=["finished_at", "emails", "reminders"])
    return RunResult(run, emails, reminders)
