""" "Mark as paid" on a document: the money recorded into a cash register or bank account and
allocated to the document, in one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document
from xfinances.payments import locks
from xfinances.payments.actions.common import CLAIM_KINDS, _amount, _check_settleable, _date
from xfinances.payments.actions.recording import PaymentInput, record_payment
from xfinances.payments.models import Direction, Payment, PaymentMethod


def _read_payment_of(
    document: Document, account: Any, date: object, amount: object, method: str
) -> tuple[Decimal | None, dt.date]:
    """The amount (None: what is outstanding) and the day, and an account in the document's
    currency; InvalidInput with every field's message."""
    company = document.company
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    day = _date(date, errors) if date not in (None, "") else timezone.localdate()
    if account is None:
        errors.add("account", _("Choose the cash register or bank account the money came into."))
    elif account.company_id != company.pk:
        errors.add("account", _("No such account in this company."))
    elif account.currency != document.currency:
        errors.add(
            "account",
            _("The account holds %(account)s; the document is in %(document)s.")
            % {"account": account.currency, "document": document.currency},
        )
    if method and method not in PaymentMethod.values:
        errors.add("method", _("Unknown payment method."))
    errors.raise_if_any()
    assert day is not None
    return value, day


@transaction.atomic
def mark_document_paid(
    actor: Actor,
    document: Document,
    *,
    account: Any,
    date: object = None,
    amount: object = None,
    method: str = "",
) -> Payment:
    """Record an incoming payment of `document`'s client into `account` (a treasury money
    account in the document's currency: its movement is created with it) and allocate it to
    the document. `amount` defaults to what is outstanding, `date` to today, `method` to cash
    for a cash register and a bank transfer otherwise."""
    company = document.company
    ensure_can(actor, company, "payments.change")
    value, day = _read_payment_of(document, account, date, amount, method)
    _check_settleable(document, company)
    if document.kind not in CLAIM_KINDS:
        raise InvalidInput({"document": [_("Only invoices and debit notes are paid.")]})
    document = locks.lock_documents(company, [document.pk])[document.pk]
    outstanding = document.outstanding_amount
    if outstanding <= 0:
        raise InvalidInput(
            {
                "document": [
                    _("Document %(number)s has nothing left to pay.") % {"number": document.number}
                ]
            }
        )
    value = outstanding if value is None else value
    if value > outstanding:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of document %(number)s is left to pay.")
                    % {
                        "left": outstanding,
                        "currency": document.currency,
                        "number": document.number,
                    }
                ]
            }
        )
    if not method:
        method = PaymentMethod.CASH if account.kind == "cash" else PaymentMethod.BANK_TRANSFER
    payment = record_payment(
        actor,
        company,
        PaymentInput(
            direction=Direction.IN,
            date=day,
            amount=value,
            currency=document.currency,
            party=document.party,
            method=method,
            account=account,
            note=_("Payment of %(kind)s %(number)s")
            % {"kind": document.get_kind_display(), "number": document.number},
            allocations=[(document, value)],
        ),
    )
    payment.refresh_from_db(fields=["allocated"])
    audit.record_event(
        actor,
        company,
        "mark_document_paid",
        document,
        {"payment": payment.pk, "amount": str(value), "account": account.pk},
    )
    return payment
