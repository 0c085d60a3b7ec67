"""Readers, rates and checks shared by the payments actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from xfinances.core import readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.models import Company
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.payments.models import DocumentSettlement
from xfinances.payments.rates import booked_eur_rate

ZERO = Decimal("0.00")
CLAIM_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


# --- small readers -------------------------------------------------------------------------------


def _amount(value: object, errors: ErrorCollector, field: str) -> Decimal | None:
    """A positive amount read by core/readers (its messages), or None: empty or refused."""
    return readers.field(errors, field, readers.amount, value, required=False, positive=True)


def _date(value: object, errors: ErrorCollector, field: str = "date") -> dt.date | None:
    """A date read by core/readers (`YYYY-MM-DD` or `dd.mm.yyyy`, within the sane range)."""
    return readers.field(errors, field, readers.date, value)


def document_eur_rate(document: Document) -> Decimal:
    """Units of the document currency per 1 EUR as the document booked it."""
    rate = booked_eur_rate(
        document.currency, document.total, document.eur_total, document.exchange_rate
    )
    if rate is None:
        raise Conflict(
            _("Document %(number)s has no exchange rate.") % {"number": document.number},
            field="document",
        )
    return rate


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
