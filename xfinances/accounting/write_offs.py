"""The write-offs of a period as export records (`money_records.write_off_record`), and the
reversals of the undone ones (docs/decisions/0018-write-off-reversals.md).

A write-off is booked in the month of its date. Undone after it went out to accounting (in a
batch of any destination or a manual export, not a failed batch), its booking stays in that
month, since the accountant's books hold it, and the month of the undo gets its **reversal**:
the same journal entry negated, dated on the day of the undo, numbered `WO-<id>-R`. A
write-off undone before any export is never produced. The original of a reversed write-off is
never sent again as a correction (`ExportRecord.superseded`), only to a destination that never
had it, so each destination books it at most once and its reversal at most once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
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
from xfinances.accounting.models import BatchStatus, DocumentExport
from xfinances.accounting.money_records import (
    WriteOffInput,
    WriteOffTarget,
    write_off_record,
    write_off_reversal,
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
from xfinances.payments.rates import FIXED_RATE, booked_eur_rate

SOURCE = "payments.WriteOff"

WRITE_OFF_FIELDS = (
    "id",
    "date",
    "undone_at",
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


def exported(source: str) -> Exists:
    """The record of `source` (a write-off, a credit note's exchange difference) went out in a
    batch (any destination or a manual export; a failed batch does not count)."""
    return Exists(
        DocumentExport.objects.filter(
            company_id=OuterRef("company_id"),
            source=source,
            object_id=OuterRef("pk"),
            batch__isnull=False,
        ).exclude(batch__status=BatchStatus.FAILED)
    )


def booked_in_period(rows: QuerySet[Any], source: str, period: Period) -> QuerySet[Any]:
    """Of `rows` (a model with `date` and `undone_at`), those booked in the period: dated in it
    and active, or undone after their export (booked then; reversed in the month of the undo)."""
    return rows.filter(date__gte=period.first, date__lte=period.last).filter(
        Q(undone_at__isnull=True) | exported(source)
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def undone_in_period(rows: QuerySet[Any], source: str, period: Period) -> QuerySet[Any]:
    """Of `rows`, the exported ones undone in the period (the company's local days)."""
    return rows.filter(
        undone_at__gte=_start_of(period.first),
        undone_at__lt=_start_of(period.next().first),
    ).filter(exported(source))


def undo_day(undone_at: dt.datetime) -> dt.date:
    return timezone.localtime(undone_at).date()


def booked_then_undone(
    rows: QuerySet[Any], source: str, period: Period
) -> tuple[tuple[bool, QuerySet[Any]], ...]:
    """Of `rows`, (False, those booked in the period) and (True, those whose reversal is in
    it): what `as_exported` turns into the period's records."""
    return (
        (False, booked_in_period(rows, source, period)),
        (True, undone_in_period(rows, source, period)),
    )


def as_exported(
    record: ExportRecord, undone_at: dt.datetime | None, *, reversing: bool
) -> ExportRecord:
    """A booked `record` as the period has it: its reversal (dated on the undo) in the month of
    the undo; in its own month, superseded once undone (decision 0018), else itself."""
    if reversing:
        assert undone_at is not None
        return write_off_reversal(record, undo_day(undone_at))
    if undone_at is not None:
        return replace(record, superseded=True)
    return record


def write_off_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    """One record per write-off booked in the period, then one reversal per exported write-off
    undone in it; each in the period's ledger currency."""
    ledger = period.currency
    for reversing, rows_of in booked_then_undone(
        WriteOff.objects.filter(company=company), SOURCE, period
    ):
        for rows in chunks(rows_of, WRITE_OFF_FIELDS):
            sides = payment_sides(company, rows, "payment_id", "payment__")
            for row in rows:
                what = f"{_('write-off')} {row['id']}"
                item = guard(on_error, _write_off_input, company, row, ledger, what)
                if item is None:
                    continue
                # A payment's rest on the side the payment was booked on.
                record = write_off_record(
                    item._replace(receivable=sides.get(row["payment_id"])), mapping
                )
                yield as_exported(record, row["undone_at"], reversing=reversing)
