""" "Mark as paid" on a document: the money recorded into a cash register or bank account and
allocated to the document, in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, formatting, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document
from xfinances.payments import locks
from xfinances.payments.actions.common import CLAIM_KINDS, _check_settleable
from xfinances.payments.actions.recording import PaymentInput, record_payment
from xfinances.payments.models import Direction, Payment, PaymentMethod


def _optional_amount(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return readers.amount(value, positive=True)


@dataclass(frozen=True, kw_only=True)
class MarkPaidInput(ActionInput):
    """ "Mark as paid": `account` is a treasury money account in the document's currency;
    `amount` None is what is outstanding, `date` None today, `method` empty cash for a cash
    register and a bank transfer otherwise."""

    account: Any = reads(inputs.as_is, default=None)
    date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    amount: Decimal | None = reads(_optional_amount, default=None)
    method: str = reads(
        inputs.choice(["", *PaymentMethod.values], _lazy("Unknown payment method.")), default=""
    )


def _check_account(document: Document, account: Any, method: str) -> None:
    """An account of the company in the document's currency; InvalidInput naming the field."""
    errors = InvalidInput.collect()
    if account is None:
        errors.add("account", _("Choose the cash register or bank account the money came into."))
    elif account.company_id != document.company_id:
        errors.add("account", _("No such account in this company."))
    elif account.currency != document.currency:
        errors.add(
            "account",
            _("The account holds %(account)s; the document is in %(document)s.")
            % {"account": account.currency, "document": document.currency},
        )
    if method and method not in PaymentMethod.values:  # an input built directly is not read
        errors.add("method", _("Unknown payment method."))
    errors.raise_if_any()


@transaction.atomic
def mark_document_paid(actor: Actor, document: Document, data: MarkPaidInput) -> Payment:
    """Record an incoming payment of `document`'s client into the input's account (its
    movement is created with it) and allocate it to the document."""
    company = document.company
    ensure_can(actor, company, "payments.change")
    account, method = data.account, data.method
    _check_account(document, account, method)
    value, day = data.amount, data.date or timezone.localdate()
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
                        "left": formatting.amount(outstanding),
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
