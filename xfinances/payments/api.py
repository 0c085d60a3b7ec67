"""REST: payments, allocations, receivables and reminders under /api/v1/payments. Thin: looks up
records in the caller's company and calls actions. Amounts are strings with a decimal point."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.idempotency import idempotent
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest, company_object_or_404
from xfinances.core.text_limits import limits_of
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments import actions, queries
from xfinances.payments.aging import AgingDirection, aging_totals
from xfinances.payments.aging import aging as aging_rows
from xfinances.payments.models import (
    Allocation,
    DunningLevel,
    DunningPause,
    Payment,
    RunKind,
    WriteOff,
)
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury.events import typed_movement_notes
from xfinances.treasury.models import MoneyAccount, Movement

router = Router(tags=["payments"])
MAX_LIMIT = 500
ZERO = Decimal("0.00")


def _document(request: CompanyRequest, document_id: int, field: str = "document_id") -> Document:
    found = Document.objects.filter(company=request.company, pk=document_id).first()
    if found is None:
        raise InvalidInput({field: [_("No such document in this company.")]})
    return found


def _party(request: CompanyRequest, party_id: int | None) -> Party | None:
    if party_id is None:
        return None
    found = Party.objects.filter(company=request.company, pk=party_id).first()
    if found is None:
        raise InvalidInput({"party_id": [_("No such client or supplier in this company.")]})
    return found


class AllocationIn(InputSchema):
    document_id: int
    amount: str | None = None
    document_amount: str | None = None


class PaymentIn(InputSchema):
    text_limits = limits_of(Payment, "bank_reference", "note")

    direction: str
    date: str
    amount: str
    currency: str = ""
    party_id: int | None = None
    method: str = "bank_transfer"
    money_account_id: int | None = None
    movement_id: int | None = None
    bank_reference: str = ""
    note: str = ""
    eur_rate: str | None = None
    allocations: list[AllocationIn] = []


class AllocateIn(InputSchema):
    allocations: list[AllocationIn]


class ReasonIn(InputSchema):
    reason: str = ""


class WriteOffIn(InputSchema):
    text_limits = limits_of(WriteOff, "reason")

    reason: str = ""
    amount: str | None = None
    date: str | None = None


class RestWriteOffIn(InputSchema, action_input=actions.WriteOffInput):
    """A write-off of a payment's unallocated rest or a supplier invoice's remainder: `reason`
    (required), `amount` (empty: all that is left), `date` (empty: today)."""

    text_limits = limits_of(WriteOff, "reason")


class RefundIn(InputSchema):
    """A refund of a payment's unallocated rest (a client's credit paid back, or a supplier's
    return of our overpayment): `amount` (empty: all of the rest), `date` (empty: today),
    `money_account_id` (the account the money moves on; empty: none), `note`."""

    text_limits = limits_of(Payment, "note")

    amount: str | None = None
    date: str | None = None
    money_account_id: int | None = None
    note: str = ""


class RefundOfIn(InputSchema):
    """The payment whose unallocated rest this payment returns."""

    payment_id: int


class SupplierSetOffIn(InputSchema):
    """`supplier_invoice_id`: the invoice (empty: the one the note corrects); `amount` (empty:
    what both sides allow)."""

    supplier_invoice_id: int | None = None
    amount: str | None = None


class CreditNoteIn(InputSchema):
    document_id: int | None = None
    amount: str | None = None


class LevelIn(InputSchema):
    text_limits = limits_of(
        DunningLevel, "name", "name_en", "subject_bg", "body_bg", "subject_en", "body_en"
    )

    name: str | None = None
    name_en: str | None = None
    days_after_due: int | None = None
    subject_bg: str | None = None
    body_bg: str | None = None
    subject_en: str | None = None
    body_en: str | None = None
    charge_interest: bool | None = None
    fee: str | None = None
    recipients: str | None = None
    is_active: bool | None = None


class PauseIn(InputSchema):
    text_limits = limits_of(DunningPause, "reason")

    reason: str = ""
    until: str = ""
    document_id: int | None = None
    party_id: int | None = None


class RunIn(InputSchema):
    date: str | None = None


def _allocation_out(allocation: Allocation) -> dict[str, Any]:
    return {
        "id": allocation.pk,
        "payment_id": allocation.payment_id,
        "credit_note_id": allocation.credit_note_id,
        "document_id": allocation.document_id,
        "supplier_invoice_id": allocation.supplier_invoice_id,
        "supplier_credit_note_id": allocation.supplier_credit_note_id,
        "date": allocation.date,
        "amount": str(allocation.amount),
        "document_amount": str(allocation.document_amount),
        "exchange_difference_eur": str(allocation.exchange_difference_eur),
        "received_eur": str(allocation.received_eur),
        "booked_eur": str(allocation.booked_eur),
        "undone_at": allocation.undone_at,
        "undo_reason": allocation.undo_reason,
    }


def _write_off_out(item: WriteOff) -> dict[str, Any]:
    return {
        "id": item.pk,
        "document_id": item.document_id,
        "payment_id": item.payment_id,
        "supplier_invoice_id": item.supplier_invoice_id,
        "date": item.date,
        "amount": str(item.amount),
        "booked_eur": str(item.booked_eur),
        "reason": item.reason,
        "undone_at": item.undone_at,
        "undo_reason": item.undo_reason,
    }


def _supplier_invoice_out(invoice: SupplierInvoice) -> dict[str, Any]:
    return {
        "supplier_invoice_id": invoice.pk,
        "supplier_number": invoice.supplier_number,
        "currency": invoice.currency,
        "payment_status": invoice.payment_status,
        "total": str(invoice.total),
        "paid": str(invoice.amount_paid),
        "written_off": str(invoice.amount_written_off),
        "credited": str(invoice.amount_credited),
        "remaining": str(invoice.remaining),
        "allocations": [
            _allocation_out(a) for a in queries.allocations_of_supplier_invoice(invoice)
        ],
        "write_offs": [_write_off_out(w) for w in queries.write_offs_of_supplier_invoice(invoice)],
    }


def _payment_out(payment: Payment, with_allocations: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": payment.pk,
        "direction": payment.direction,
        "party_id": payment.party_id,
        "date": payment.date,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "eur_rate": str(payment.eur_rate),
        "eur_amount": str(payment.eur_amount),
        "allocated": str(payment.allocated),
        "unallocated": str(payment.unallocated),
        "method": payment.method,
        "source": payment.source,
        "movement_id": payment.movement_id,
        "bank_reference": payment.bank_reference,
        "refund_of_id": payment.refund_of_id,
    }
    if with_allocations:
        data["allocations"] = [_allocation_out(a) for a in queries.allocations_of_payment(payment)]
        write_offs = [_write_off_out(w) for w in queries.write_offs_of_payment(payment)]
        data["write_offs"] = write_offs
        data["written_off"] = str(
            sum((Decimal(w["amount"]) for w in write_offs if w["undone_at"] is None), ZERO)
        )
    return data


def _targets(
    request: CompanyRequest, items: list[AllocationIn]
) -> list[tuple[Document, object] | tuple[Document, object, object]]:
    return [
        (_document(request, item.document_id), item.amount, item.document_amount) for item in items
    ]


@router.get("", summary="Payments, newest first")
def list_payments(
    request: CompanyRequest,
    party_id: int | None = None,
    direction: str = "",
    unallocated: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    require(request, "payments.view")
    found = queries.payments(
        request.company, party_id=party_id, direction=direction, unallocated_only=unallocated
    )
    return [_payment_out(p) for p in found[: max(1, min(limit, MAX_LIMIT))]]


@router.post("", response={201: dict}, summary="Record a payment (and allocate it)")
@idempotent
def create_payment(request: CompanyRequest, body: PaymentIn) -> Status:
    require(request, "payments.change")
    company = request.company
    account = movement = None
    if body.money_account_id is not None:
        account = MoneyAccount.objects.filter(company=company, pk=body.money_account_id).first()
        if account is None:
            raise InvalidInput({"money_account_id": [_("No such account in this company.")]})
    if body.movement_id is not None:
        movement = Movement.objects.filter(company=company, pk=body.movement_id).first()
        if movement is None:
            raise InvalidInput({"movement_id": [_("No such movement in this company.")]})
    data = actions.PaymentInput.read(
        {
            "direction": body.direction,
            "date": body.date,
            "amount": body.amount,
            "currency": body.currency,
            "party": _party(request, body.party_id),
            "method": body.method,
            "account": account,
            "movement": movement,
            "bank_reference": body.bank_reference,
            "note": body.note,
            "eur_rate": body.eur_rate,
            "allocations": _targets(request, body.allocations),
        }
    )
    payment = actions.record_payment(request.actor, company, data)
    payment.refresh_from_db()
    out = _payment_out(payment, with_allocations=True)
    # What the apps above say of the money typed in (banking: a statement line it may be).
    out["notes"] = (
        typed_movement_notes.collect(movement=payment.movement) if payment.movement else []
    )
    return Status(201, out)


@router.post("/allocations/{allocation_id}/undo", summary="Undo an allocation (with a reason)")
def undo(request: CompanyRequest, allocation_id: int, body: ReasonIn) -> dict[str, Any]:
    require(request, "payments.change")
    allocation = company_object_or_404(request.company, Allocation, pk=allocation_id)
    return _allocation_out(actions.undo_allocation(request.actor, allocation, reason=body.reason))


def _document_out(document: Document) -> dict[str, Any]:
    state = queries.document_payment(document)
    return {
        "document_id": document.pk,
        "number": document.number,
        "currency": document.currency,
        "status": state.status,
        "total": str(state.total),
        "paid": str(state.paid),
        "credited": str(state.credited),
        "written_off": str(state.written_off),
        "remaining": str(state.remaining),
        "allocations": [_allocation_out(a) for a in queries.allocations_of_document(document)],
        "reminders": [
            {
                "level": r.level.name,
                "run_date": r.run_date,
                "superseded": r.superseded,
                "message_id": r.message_id,
            }
            for r in queries.reminders_of_document(document)
        ],
    }


@router.get(
    "/documents/{document_id}", summary="Paid, remaining, status and payments of a document"
)
def document_status(request: CompanyRequest, document_id: int) -> dict[str, Any]:
    require(request, "payments.view")
    document = company_object_or_404(request.company, Document, pk=document_id)
    return _document_out(document)


@router.post("/documents/{document_id}/write-off", summary="Write off a small remainder")
@idempotent
def write_off(request: CompanyRequest, document_id: int, body: WriteOffIn) -> dict[str, Any]:
    require(request, "payments.change")
    document = company_object_or_404(request.company, Document, pk=document_id)
    actions.write_off(
        request.actor, document, reason=body.reason, amount=body.amount, date=body.date
    )
    document.refresh_from_db()
    return _document_out(document)


@router.post(
    "/supplier-invoices/{supplier_invoice_id}/write-off",
    summary="Write off a supplier invoice's small unpaid remainder",
)
@idempotent
def write_off_supplier_invoice(
    request: CompanyRequest, supplier_invoice_id: int, body: RestWriteOffIn
) -> dict[str, Any]:
    require(request, "payments.change")
    invoice = company_object_or_404(request.company, SupplierInvoice, pk=supplier_invoice_id)
    actions.write_off_supplier_invoice(
        request.actor, invoice, actions.WriteOffInput.read(body.dict())
    )
    invoice.refresh_from_db()
    return _supplier_invoice_out(invoice)


@router.get(
    "/supplier-invoices/{supplier_invoice_id}",
    summary="Paid, written off and remaining of a supplier invoice, with its payments",
)
def supplier_invoice_status(request: CompanyRequest, supplier_invoice_id: int) -> dict[str, Any]:
    require(request, "payments.view")
    invoice = company_object_or_404(request.company, SupplierInvoice, pk=supplier_invoice_id)
    return _supplier_invoice_out(invoice)


@router.post("/write-offs/{write_off_id}/undo", summary="Undo a write-off (with a reason)")
def undo_write_off(request: CompanyRequest, write_off_id: int, body: ReasonIn) -> dict[str, Any]:
    require(request, "payments.change")
    item = company_object_or_404(request.company, WriteOff, pk=write_off_id)
    return _write_off_out(actions.undo_write_off(request.actor, item, reason=body.reason))


@router.post(
    "/documents/{document_id}/apply-credit-note",
    summary="Offset a credit note against its invoice (or document_id)",
)
@idempotent
def apply_credit_note(
    request: CompanyRequest, document_id: int, body: CreditNoteIn
) -> dict[str, Any]:
    require(request, "payments.change")
    note = company_object_or_404(request.company, Document, pk=document_id)
    target = _document(request, body.document_id) if body.document_id else None
    return _allocation_out(
        actions.apply_credit_note(request.actor, note, target, amount=body.amount)
    )


@router.post(
    "/supplier-credit-notes/{supplier_invoice_id}/set-off",
    response={201: dict},
    summary="Set a supplier's credit note off against its invoice (or supplier_invoice_id)",
)
@idempotent
def apply_supplier_credit_note(
    request: CompanyRequest, supplier_invoice_id: int, body: SupplierSetOffIn
) -> Status:
    require(request, "payments.change")
    company = request.company
    note = company_object_or_404(company, SupplierInvoice, pk=supplier_invoice_id)
    target = None
    if body.supplier_invoice_id is not None:
        target = SupplierInvoice.objects.filter(
            company=company, pk=body.supplier_invoice_id
        ).first()
        if target is None:
            raise InvalidInput(
                {"supplier_invoice_id": [_("No such supplier invoice in this company.")]}
            )
    made = actions.apply_supplier_credit_note(request.actor, note, target, amount=body.amount)
    return Status(201, _allocation_out(made))


def _day(value: str | None, field: str = "on") -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput({field: [_("Enter a date (YYYY-MM-DD).")]}) from None


@router.get(
    "/aging",
    summary="Receivables per client (or ?direction=payable: payables per supplier) aged on ?on=",
)
def aging(
    request: CompanyRequest, on: str | None = None, direction: str = "receivable"
) -> dict[str, Any]:
    require(request, "payments.view")
    day = _day(on)
    if direction not in AgingDirection.VALUES:
        raise InvalidInput({"direction": [_("Choose receivable or payable.")]})
    rows = aging_rows(request.company, day, direction)
    return {
        "on": day,
        "direction": direction,
        "rows": [
            {
                "party_id": r.party_id,
                "party": r.party_name,
                "currency": r.currency,
                "buckets": {k: str(v) for k, v in r.buckets.items()},
                "total": str(r.total),
            }
            for r in rows
        ],
        "totals": {c: {k: str(v) for k, v in b.items()} for c, b in aging_totals(rows).items()},
    }


@router.get("/reminders/preview", summary="What the reminder run of ?on= would send")
def preview(request: CompanyRequest, on: str | None = None) -> dict[str, Any]:
    require(request, "payments.view")
    planned, levels = queries.reminder_plan(request.company, _day(on))
    return {
        "emails": [
            {
                "party_id": e.party_id,
                "level": levels[e.level_id].name,
                "documents": [
                    {
                        "document_id": line.document.id,
                        "number": line.document.number,
                        "remaining": str(line.document.remaining),
                        "currency": line.document.currency,
                        "days_overdue": line.days_overdue,
                        "interest": str(line.interest),
                        "level": levels[line.level_id].name if line.level_id else None,
                    }
                    for line in e.lines
                ],
            }
            for e in planned.emails
        ]
    }


@router.post("/reminders/run", summary="Send reminders now")
def run_now(request: CompanyRequest, body: RunIn) -> dict[str, Any]:
    require(request, "dunning.manage")
    result = actions.run_reminders(
        request.actor, request.company, _day(body.date, "date"), kind=RunKind.MANUAL
    )
    assert result is not None
    return {"run_id": result.run.pk, "emails": result.emails, "reminders": result.reminders}


def _level_out(level: DunningLevel) -> dict[str, Any]:
    return {
        "id": level.pk,
        "name": level.name,
        "name_en": level.name_en,
        "days_after_due": level.days_after_due,
        "when": level.when_label,
        "charge_interest": level.charge_interest,
        "fee": str(level.fee),
        "recipients": level.recipients,
        "is_active": level.is_active,
        "subject_bg": level.subject_bg,
        "subject_en": level.subject_en,
    }


@router.get("/levels", summary="Reminder levels")
def list_levels(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "payments.view")
    return [
        _level_out(level)
        for level in DunningLevel.objects.filter(company=request.company).order_by("days_after_due")
    ]


@router.post("/levels", response={201: dict}, summary="Add a reminder level")
def create_level(request: CompanyRequest, body: LevelIn) -> Status:
    require(request, "dunning.manage")
    data = {k: v for k, v in body.model_dump().items() if v is not None}
    changes = actions.DunningLevelInput.read_changes(data)
    return Status(
        201, _level_out(actions.save_level(request.actor, request.company, None, changes))
    )


@router.patch("/levels/{level_id}", summary="Change a reminder level")
def update_level(request: CompanyRequest, level_id: int, body: LevelIn) -> dict[str, Any]:
    require(request, "dunning.manage")
    level = company_object_or_404(request.company, DunningLevel, pk=level_id)
    data = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    changes = actions.DunningLevelInput.read_changes(data)
    return _level_out(actions.save_level(request.actor, request.company, level, changes))


@router.post("/pauses", response={201: dict}, summary="Pause reminders for a document or client")
def pause(request: CompanyRequest, body: PauseIn) -> Status:
    require(request, "dunning.manage")
    document = _document(request, body.document_id) if body.document_id else None
    item = actions.pause_reminders(
        request.actor,
        request.company,
        reason=body.reason,
        until=body.until,
        document=document,
        party=_party(request, body.party_id),
    )
    return Status(201, {"id": item.pk, "until": item.until, "reason": item.reason})


# Last: /{payment_id} would otherwise capture /aging, /levels…
@router.get("/{payment_id}", summary="One payment with its allocations")
def read_payment(request: CompanyRequest, payment_id: int) -> dict[str, Any]:
    require(request, "payments.view")
    payment = company_object_or_404(request.company, Payment, pk=payment_id)
    return _payment_out(payment, with_allocations=True)


@router.post(
    "/{payment_id}/write-off", summary="Write off a payment's unallocated rest (an overpayment)"
)
@idempotent
def write_off_payment(
    request: CompanyRequest, payment_id: int, body: RestWriteOffIn
) -> dict[str, Any]:
    require(request, "payments.change")
    payment = company_object_or_404(request.company, Payment, pk=payment_id)
    actions.write_off_payment(request.actor, payment, actions.WriteOffInput.read(body.dict()))
    payment.refresh_from_db()
    return _payment_out(payment, with_allocations=True)


@router.post(
    "/{payment_id}/refund",
    response={201: dict},
    summary="Refund a payment's unallocated rest (money the other way, linked to it)",
)
@idempotent
def refund(request: CompanyRequest, payment_id: int, body: RefundIn) -> Status:
    require(request, "payments.change")
    company = request.company
    payment = company_object_or_404(company, Payment, pk=payment_id)
    account = None
    if body.money_account_id is not None:
        account = MoneyAccount.objects.filter(company=company, pk=body.money_account_id).first()
        if account is None:
            raise InvalidInput({"money_account_id": [_("No such account in this company.")]})
    data = actions.RefundInput.read(
        {
            "amount": body.amount or payment.unallocated,
            "date": body.date or timezone.localdate(),
            "account": account,
            "note": body.note,
        }
    )
    made = actions.refund_credit(request.actor, payment, data)
    return Status(201, _payment_out(made))


@router.post(
    "/{payment_id}/refund-of",
    summary="Link a payment as the refund of another payment's unallocated rest",
)
def link_refund(request: CompanyRequest, payment_id: int, body: RefundOfIn) -> dict[str, Any]:
    """A payment already recorded (a bank statement's entry, say), of nothing allocated,
    returns all of its amount out of `payment_id`'s rest: the other way, in its currency, of
    its party. Linking twice is refused (409)."""
    require(request, "payments.change")
    company = request.company
    refund = company_object_or_404(company, Payment, pk=payment_id)
    returned = Payment.objects.filter(company=company, pk=body.payment_id).first()
    if returned is None:
        raise InvalidInput({"payment_id": [_("Choose another payment of this company.")]})
    return _payment_out(actions.link_refund(request.actor, refund, returned))


@router.post("/{payment_id}/refund-of/undo", summary="Take back a refund's link (with a reason)")
def unlink_refund(request: CompanyRequest, payment_id: int, body: ReasonIn) -> dict[str, Any]:
    """The payment is no refund: unallocated again, the payment it returned has its rest back."""
    require(request, "payments.change")
    refund = company_object_or_404(request.company, Payment, pk=payment_id)
    return _payment_out(actions.unlink_refund(request.actor, refund, reason=body.reason))


class TakeBackIn(InputSchema):
    reason: str = ""
    keep_money: bool = False


@router.post("/{payment_id}/take-back", summary="Take back a payment recorded by mistake")
def take_back(request: CompanyRequest, payment_id: int, body: TakeBackIn) -> dict[str, Any]:
    """What it settled is given back and it is deleted; its money is deleted too, or reversed
    today where it may not be deleted (`money`: deleted, reversed, kept, none), unless
    `keep_money` says the money came. 409 for a bank line's payment, a refund link, a payment
    exported to accounting; 422 without a reason."""
    require(request, "payments.change")
    payment = company_object_or_404(request.company, Payment, pk=payment_id)
    taken = actions.take_back_payment(
        request.actor, payment, reason=body.reason, keep_money=body.keep_money
    )
    return {
        "id": taken.payment_id,
        "undone_allocations": taken.undone_allocations,
        "undone_write_offs": taken.undone_write_offs,
        "money": taken.money,
        "reversal_id": taken.reversal.pk if taken.reversal is not None else None,
    }


@router.post("/{payment_id}/allocations", summary="Allocate a payment to documents")
@idempotent
def allocate(request: CompanyRequest, payment_id: int, body: AllocateIn) -> dict[str, Any]:
    require(request, "payments.change")
    payment = company_object_or_404(request.company, Payment, pk=payment_id)
    actions.allocate(request.actor, payment, _targets(request, body.allocations))
    payment.refresh_from_db()
    return _payment_out(payment, with_allocations=True)
