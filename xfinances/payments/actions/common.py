"""Readers, rates and checks shared by the payments actions."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from xfinances.core import readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.models import Company
from xfinances.core.money import BGN_PER_EUR, MoneyError, RoundingPoint, round_cent, to_decimal
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.payments.models import (
    Direction,
    DocumentSettlement,
)

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
    try:
        readers.within_amount_range(amount)
    except readers.ReadError as error:
        errors.add(field, error.message)
        return None
    if amount <= 0:
        errors.add(field, _("The amount must be greater than zero."))
        return None
    if amount != round_cent(amount):
        errors.add(field, _("Use at most two decimals."))
        return None
    return amount


def _date(value: object, errors: ErrorCollector, field: str = "date") -> dt.date | None:
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and value:
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(value)
    if day is None:
        errors.add(field, _("Enter a date (YYYY-MM-DD)."))
        return None
    try:
        return readers.within_bounds(day)
    except readers.ReadError as error:
        errors.add(field, error.message)
        return None


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
    actor: Actor,
    document: Document,
    row: DocumentSettlement,
    *,
    paid: Decimal = ZERO,
    credited: Decimal = ZERO,
    written_off: Decimal = ZERO,
) -> None:
    """Change what settled a (locked) document, and its stored payment state on the document
    through invoicing's action, in the caller's transaction."""
    row.paid += paid
    row.credited += credited
    row.written_off += written_off
    row.settled = row.paid + row.credited + row.written_off
    row.save(update_fields=["paid", "credited", "written_off", "settled", "updated_at"])
    invoicing_actions.refresh_payment_status(
        actor, document, paid=row.paid, credited=row.credited, written_off=row.written_off
    )


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
