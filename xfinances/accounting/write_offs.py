"""The write-offs of a period as export records (`money_records.write_off_record`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from xfinances.accounting.building import (
    ROLE_FIELDS,
    OnError,
    Period,
    chunks,
    guard,
    party_fields,
    party_of,
    payment_sides,
    to_ledger,
)
from xfinances.accounting.money_records import (
    WriteOffInput,
    WriteOffTarget,
    write_off_record,
)
from xfinances.accounting.records import (
    ZERO,
    AccountMapping,
    ExportRecord,
    RecordError,
    in_ledger,
)
from xfinances.core.models import Company
from xfinances.payments.models import WriteOff
from xfinances.payments.rates import booked_eur_rate

WRITE_OFF_FIELDS = (
    "id",
    "date",
    "amount",
    "booked_eur",
    "document_id",
    "document__number",
    "document__currency",
    "document__tax_event_date",
    "document__total",
    "document__eur_total",
    "document__exchange_rate",
    "document__party_id",
    *party_fields("document__recipient_"),
    "payment_id",
    "payment__direction",
    "payment__refund_of_id",
    "payment__currency",
    "payment__date",
    "payment__eur_rate",
    "payment__bank_reference",
    "payment__party_id",
    *party_fields("payment__party__", *ROLE_FIELDS),
    "supplier_invoice__supplier_number",
    "supplier_invoice__currency",
    "supplier_invoice__tax_event_date",
    "supplier_invoice__exchange_rate",
    "supplier_invoice__supplier_id",
    *party_fields("supplier_invoice__supplier__"),
)


def _write_off_input(
    company: Company, row: dict[str, Any], ledger: str, what: str
) -> WriteOffInput:
    booked_rate: Decimal | None
    if row["document_id"] is not None:
        target, currency = WriteOffTarget.DOCUMENT, row["document__currency"]
        number = row["document__number"] or ""
        party = party_of(row, "document__recipient_", row["document__party_id"])
        booked_rate = booked_eur_rate(
            currency,
            row["document__total"],
            row["document__eur_total"],
            row["document__exchange_rate"],
        )
        booked_on = row["document__tax_event_date"]
    else:
        if row["payment_id"] is not None:
            prefix = "payment__party__"
            target = (
                WriteOffTarget.PAYMENT_IN
                if row["payment__direction"] == "in"
                else WriteOffTarget.PAYMENT_OUT
            )
            currency = row["payment__currency"]
            number = row["payment__bank_reference"] or str(row["payment_id"])
            party_id = row["payment__party_id"]
            booked_rate, booked_on = row["payment__eur_rate"], row["payment__date"]
        else:
            prefix = "supplier_invoice__supplier__"
            target = WriteOffTarget.SUPPLIER_INVOICE
            currency = row["supplier_invoice__currency"]
            number = row["supplier_invoice__supplier_number"] or ""
            party_id = row["supplier_invoice__supplier_id"]
            booked_rate = row["supplier_invoice__exchange_rate"]
            booked_on = row["supplier_invoice__tax_event_date"]
        party = party_of(row, prefix, party_id)
    amount = to_ledger(company, row["amount"], currency, row["date"], ledger, what)
    return WriteOffInput(
        id=row["id"],
        target=target,
        date=row["date"],
        amount=amount,
        party=party,
        related_number=number,
        currency=currency,
        target_amount=row["amount"],
        exchange_difference=_write_off_difference(
            target,
            row["amount"],
            currency,
            amount,
            (booked_rate, booked_on, row["booked_eur"]),
            ledger,
            what,
        ),
    )


#: Currencies at a fixed rate to the euro: their write-offs have no exchange difference.
FIXED_RATE = ("EUR", "BGN")
#: Write-offs that close what the party owed us (a receivable, our advance to a supplier): like
#: money received, a gain when worth more on the day than booked. The others close what we owed.
CLOSE_A_CLAIM = (WriteOffTarget.DOCUMENT, WriteOffTarget.PAYMENT_OUT)


def _write_off_difference(
    target: WriteOffTarget,
    value: Decimal,
    currency: str,
    on_the_day: Decimal,
    booked: tuple[Decimal | None, dt.date, Decimal],
    ledger: str,
    what: str,
) -> Decimal:
    """The exchange difference of writing off `value` (the target's currency), worth
    `on_the_day` in the ledger currency at the write-off day's rate, against its worth as it
    was `booked` (rate, day, EUR value): the EUR value the write-off stored at the document's
    or supplier invoice's booked rate or the payment's (`payments.rates.part_eur`: the part
    closing its target takes what the other parts left), converted as the documents' records
    convert (`records.in_ledger`). + gain, − loss, signed as a payment's."""
    if currency in FIXED_RATE:
        return ZERO
    rate, day, booked_eur = booked
    if not rate:
        raise RecordError(
            what, _("No exchange rate of %(c)s on %(d)s.") % {"c": currency, "d": day}
        )
    at_booking = in_ledger(value, currency, booked_eur, ledger)
    if target in CLOSE_A_CLAIM:
        return on_the_day - at_booking
    return at_booking - on_the_day


def write_offs_in_period(company: Company, period: Period) -> QuerySet[WriteOff]:
    """The active write-offs dated in the period (an undone one is no longer booked)."""
    return WriteOff.objects.filter(
        company=company,
        date__gte=period.first,
        date__lte=period.last,
        undone_at__isnull=True,
    )


def write_off_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    """One record per active write-off of the period (money_records.write_off_record)."""
    ledger = period.currency
    for rows in chunks(write_offs_in_period(company, period), WRITE_OFF_FIELDS):
        sides = payment_sides(company, rows, "payment_id", "payment__")
        for row in rows:
            what = f"{_('write-off')} {row['id']}"
            item = guard(on_error, _write_off_input, company, row, ledger, what)
            if item is not None:  # a payment's rest on the side the payment was booked on
                side = sides.get(row["payment_id"])
                yield write_off_record(item._replace(receivable=side), mapping)
