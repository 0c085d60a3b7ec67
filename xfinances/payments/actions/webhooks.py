"""The webhooks of payments: payment.received and payment.allocated, in the action's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from xfinances.notifications import actions as outbox
from xfinances.notifications.models import WebhookEndpoint
from xfinances.parties.models import Party
from xfinances.payments.models import (
    Allocation,
    Payment,
)

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


def payment_received_event(payment: Payment) -> outbox.PendingEvent:
    """payment.received of `payment` as it is now."""
    return outbox.PendingEvent("payment.received", payment_data(payment), f"payment{payment.pk}")


def _emit(payment: Payment, event: outbox.PendingEvent, endpoints: Any) -> None:
    outbox.emit_event(
        payment.company,
        event.event,
        event.data,
        document_id=event.document_id,
        key_suffix=event.key_suffix,
        endpoints=endpoints,
    )


def _emit_payment_received(
    payment: Payment, *, endpoints: Sequence[WebhookEndpoint] | None = None
) -> None:
    """`endpoints`: the company's active endpoints when the caller read them, else they are
    read here."""
    _emit(payment, payment_received_event(payment), endpoints)


def emit_payment_taken_back(payment: Payment) -> None:
    """payment.deleted: the payment recorded by mistake is gone (`allocated` is zero: what
    it settled was given back); receivers drop what they built on payment.received."""
    _emit(
        payment,
        outbox.PendingEvent("payment.deleted", payment_data(payment), f"payment{payment.pk}"),
        None,
    )


def _emit_payment_allocated(
    payment: Payment,
    allocation: Allocation,
    remaining: Decimal,
    *,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> None:
    _emit(payment, payment_allocated_event(payment, allocation, remaining), endpoints)


def payment_allocated_event(
    payment: Payment, allocation: Allocation, remaining: Decimal
) -> outbox.PendingEvent:
    """payment.allocated of `allocation`, with `payment` as it is now and what is left of the
    document or supplier invoice (`remaining`)."""
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
    return outbox.PendingEvent(
        "payment.allocated",
        data,
        f"allocation{allocation.pk}",
        document.pk if document is not None else None,
    )
