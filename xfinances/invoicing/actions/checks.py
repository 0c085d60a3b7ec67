"""What issuing checks: the legal content of the document and the ceilings of its amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.invoicing import lifecycle, queries
from xfinances.invoicing.actions.common import (
    EU_VAT_COLUMNS,
    EURO_DAY,
    INTRA_EU_GOODS_COLUMN,
    CleanLine,
    tax_event_max_days_after_issue,
)
from xfinances.invoicing.actions.lines import Computed
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentStatus,
)

# --- validation at issue -----------------------------------------------------------------------


def _check_party_and_dates(
    document: Document, lines: list[CleanLine], today: dt.date, errors: ErrorCollector
) -> None:
    if document.party_id is None:
        errors.add("party_id", _("Choose the recipient."))
    elif document.party is not None and document.party.is_archived:
        errors.add(
            "party_id",
            _("The client “%(name)s” is archived: restore it or choose another client.")
            % {"name": document.party.name},
        )
    if not lines:
        errors.add("lines", _("Add at least one line."))
    if document.issue_date > today:
        errors.add("issue_date", _("A document cannot be issued with a future date."))
    if document.due_date and document.due_date < document.issue_date:
        errors.add("due_date", _("The due date cannot be before the issue date."))
    allowed = tax_event_max_days_after_issue()
    if (document.tax_event_date - document.issue_date).days > allowed:
        errors.add(
            "tax_event_date",
            _("The tax event date cannot be after the issue date.")
            if allowed == 0
            else _("The tax event date can be at most %(days)d days after the issue date.")
            % {"days": allowed},
        )


def _check_currency(document: Document, computed: Computed, errors: ErrorCollector) -> None:
    """EUR from the euro day, BGN before it, and a rate for any other currency."""
    entry_currency = document.original_currency or document.currency
    if document.currency == "BGN" and document.issue_date >= EURO_DAY:
        errors.add("currency", _("Documents dated from 1 January 2026 are in EUR, not BGN."))
    if (
        document.currency == "EUR"
        and document.issue_date < EURO_DAY
        and not document.original_currency
    ):
        errors.add("currency", _("Documents dated before 1 January 2026 are in BGN."))
    if entry_currency not in ("EUR", "BGN") and computed.rate is None:
        errors.add(
            "exchange_rate",
            _("There is no %(currency)s rate for %(date)s: load the reference rates or enter one.")
            % {"currency": entry_currency, "date": formatting.date(document.tax_event_date)},
        )


def _check_vat(document: Document, lines: list[CleanLine], errors: ErrorCollector) -> None:
    """Each 0 %, exempt or reverse-charge line prints its legal basis; the recipient's ЕИК and
    VAT number are on a tax document when the law asks for them."""
    needs_vat_number = False
    for number, line in enumerate(lines, start=1):
        treatment = line.vat_treatment
        if treatment.needs_legal_basis and not treatment.legal_basis.strip():
            errors.add(
                f"lines.{number}.vat_treatment",
                _(
                    "The VAT treatment “%(name)s” has no legal basis; 0 %%, "
                    "exempt and reverse-charge lines must print one."
                )
                % {"name": treatment.name},
            )
        if treatment.reverse_charge or treatment.nap_column in EU_VAT_COLUMNS:
            needs_vat_number = True
    if document.kind == DocumentKind.PROFORMA or document.party_id is None:
        return
    if (
        document.recipient_kind == "company"
        and document.recipient_country == "BG"
        and not document.recipient_eik
    ):
        errors.add("recipient_eik", _("A Bulgarian company needs its ЕИК on the document."))
    if needs_vat_number and not document.recipient_vat_number:
        errors.add(
            "recipient_vat_number",
            _("Reverse-charge and intra-EU supplies need the recipient's VAT number."),
        )


def _check_note(document: Document, errors: ErrorCollector) -> None:
    if document.kind not in NOTE_KINDS:
        return
    if not document.note_reason:
        errors.add("note_reason", _("Give the reason for the note."))
    corrected = document.corrected_document
    if (
        corrected is None
        or corrected.status != DocumentStatus.ISSUED
        or corrected.kind != DocumentKind.INVOICE
    ):
        errors.add("corrected_document_id", _("A note corrects an issued invoice."))
    elif document.issue_date < corrected.issue_date:
        errors.add("issue_date", _("A note cannot be dated before the invoice it corrects."))


def _validate_for_issue(
    document: Document, lines: list[CleanLine], computed: Computed, today: dt.date
) -> list[str]:
    """Refuse what must not be issued (InvalidInput naming the field); return warnings."""
    errors = InvalidInput.collect()
    _check_party_and_dates(document, lines, today, errors)
    _check_currency(document, computed, errors)
    _check_vat(document, lines, errors)
    if lines and document.total <= 0:
        errors.add("lines", _("The total must be greater than zero."))
    _check_note(document, errors)
    errors.raise_if_any()
    warnings: list[str] = []
    if document.kind != DocumentKind.PROFORMA:
        intra_eu = any(line.vat_treatment.nap_column == INTRA_EU_GOODS_COLUMN for line in lines)
        deadline = lifecycle.issuing_deadline(document.tax_event_date, intra_eu)
        if document.issue_date > deadline:
            warnings.append(
                _("The deadline to issue this document was %(date)s (ЗДДС art. 113(4)).")
                % {"date": formatting.date(deadline)}
            )
    return warnings


def _check_ceilings(document: Document, lines: list[CleanLine]) -> None:
    """Under row locks (taken by the caller): credit notes never exceed the invoice (+ debit
    notes); an advance is never deducted beyond its base."""
    if document.kind == DocumentKind.CREDIT_NOTE and document.corrected_document_id:
        invoice = document.corrected_document
        assert invoice is not None
        remaining = queries.remaining_to_credit(invoice, exclude_id=document.pk)
        if document.correction_total > remaining:
            raise InvalidInput(
                {
                    "total": [
                        _(
                            "Credit notes can take back at most %(left)s %(currency)s more "
                            "from invoice %(number)s; this one is %(total)s."
                        )
                        % {
                            "left": formatting.amount(remaining),
                            "currency": invoice.currency,
                            "number": invoice.number,
                            "total": formatting.amount(document.correction_total),
                        }
                    ]
                }
            )
    deducted: dict[int, Decimal] = {}
    for line in lines:
        if line.advance_document is not None:
            deducted[line.advance_document.pk] = deducted.get(
                line.advance_document.pk, Decimal(0)
            ) + (-line.quantity * line.unit_price * (100 - line.discount_percent) / 100)
    for number, line in enumerate(lines, start=1):
        advance = line.advance_document
        if advance is None or advance.pk not in deducted:
            continue
        if advance.party_id != document.party_id or advance.currency != document.currency:
            raise InvalidInput(
                {
                    f"lines.{number}.advance_document_id": [
                        _("The advance must be for the same client and currency.")
                    ]
                }
            )
        left = advance.base - queries.advance_deducted(advance, exclude_document_id=document.pk)
        if deducted.pop(advance.pk) > left:
            raise InvalidInput(
                {
                    f"lines.{number}.unit_price": [
                        _(
                            "Only %(left)s %(currency)s of advance invoice "
                            "%(number)s is left to deduct."
                        )
                        % {
                            "left": formatting.amount(left),
                            "currency": advance.currency,
                            "number": advance.number,
                        }
                    ]
                }
            )
