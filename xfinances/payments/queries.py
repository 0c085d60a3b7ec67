"""Named reads of payments and receivables, always scoped to one company.

Statuses now: stored on the document (kept by the actions in the same transaction); at past
dates: derived from the allocations and write-offs dated up to that day (aging)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company
from xfinances.core.money import RoundingPoint, round_cent
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import Party
from xfinances.payments import dunning
from xfinances.payments.models import (
    Allocation,
    Direction,
    DunningLevel,
    DunningPause,
    Payment,
    PaymentSettings,
    ReminderSent,
    WriteOff,
)
from xfinances.purchases.models import (
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
)

ZERO = Decimal("0.00")
ZERO_VALUE = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))

# Kinds that carry a claim on the client (+) or a debt to the client (credit note, −).
CLAIM_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)
SETTLEABLE_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.CREDIT_NOTE)


class PaymentStatus:
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    WRITTEN_OFF = "written_off"
    VOIDED = "voided"
    NOT_PAYABLE = "not_payable"

    LABELS = {
        UNPAID: _("Unpaid"),
        PARTLY_PAID: _("Partly paid"),
        PAID: _("Paid"),
        OVERPAID: _("Overpaid"),
        WRITTEN_OFF: _("Written off"),
        VOIDED: _("Voided"),
        NOT_PAYABLE: _("Not payable"),
    }


def settings_of(company: Company) -> PaymentSettings:
    """The company's payment settings (defaults, unsaved, when it never changed them)."""
    found = PaymentSettings.objects.filter(company=company).first()
    return found or PaymentSettings(company=company)


def status_from(
    total: Decimal, settled: Decimal, written_off: Decimal = ZERO
) -> tuple[str, Decimal]:
    """(status, remaining) of a settleable document from its total and what settled it.
    THE one place of this mapping (pure)."""
    remaining = total - settled
    if remaining < 0:
        return PaymentStatus.OVERPAID, remaining
    if remaining == 0:
        if written_off > 0:
            return PaymentStatus.WRITTEN_OFF, remaining
        return PaymentStatus.PAID, remaining
    if settled == 0:
        return PaymentStatus.UNPAID, remaining
    return PaymentStatus.PARTLY_PAID, remaining


@dataclass(frozen=True)
class DocumentPayment:
    status: str
    total: Decimal
    paid: Decimal
    credited: Decimal
    written_off: Decimal
    remaining: Decimal

    @property
    def settled(self) -> Decimal:
        return self.paid + self.credited + self.written_off

    @property
    def label(self) -> str:
        return str(PaymentStatus.LABELS[self.status])


def document_payment(document: Document) -> DocumentPayment:
    """The document's payment state now, from the amounts stored on it (kept current by the
    actions in the same transaction as every allocation and write-off)."""
    total = document.total
    if document.status == DocumentStatus.VOIDED:
        return DocumentPayment(PaymentStatus.VOIDED, total, ZERO, ZERO, ZERO, ZERO)
    if document.status != DocumentStatus.ISSUED or document.kind not in SETTLEABLE_KINDS:
        return DocumentPayment(PaymentStatus.NOT_PAYABLE, total, ZERO, ZERO, ZERO, ZERO)
    paid, credited = document.paid_amount, document.credited_amount
    written_off = document.written_off_amount
    status, remaining = status_from(total, paid + credited + written_off, written_off)
    return DocumentPayment(status, total, paid, credited, written_off, remaining)


def document_payment_status(document: Document, today: dt.date) -> tuple[str, Decimal, Decimal]:
    """(status, paid, remaining) of a sales document, for the portal and the document pages.

    status: unpaid / partly_paid / paid / overpaid / written_off / voided / not_payable
    (`PaymentStatus`). `paid` counts payments and credit notes (everything that settled it
    except write-offs), in the document currency; `remaining` = total − paid − written off.
    Overdue is the caller's business: remaining > 0 and due_date < today."""
    state = document_payment(document)
    return state.status, state.paid + state.credited, state.remaining


def document_payment_statuses(
    documents: Iterable[Document],
) -> dict[int, tuple[str, Decimal, Decimal]]:
    """`document_payment_status` of many documents: id → (status, paid, remaining). Reads
    the amounts stored on the documents: no query."""
    result: dict[int, tuple[str, Decimal, Decimal]] = {}
    for document in documents:
        state = document_payment(document)
        result[document.pk] = (state.status, state.paid + state.credited, state.remaining)
    return result


# --- open documents ----------------------------------------------------------------------------


def open_claims(company: Company) -> QuerySet[Document]:
    """Issued invoices and debit notes with something left to pay (total > settled)."""
    return (
        Document.objects.filter(company=company, status=DocumentStatus.ISSUED, kind__in=CLAIM_KINDS)
        .annotate(settled_amount=Coalesce("settlement__settled", ZERO_VALUE))
        .filter(total__gt=F("settled_amount"))
    )


def open_documents_for_reminders(
    company: Company, today: dt.date, first_day: int
) -> list[dunning.OpenDocument]:
    """Open claims of a client with a due date on or before `today − first_day` (the earliest
    level's day): one SQL query."""
    rows = (
        open_claims(company)  # settled_amount is an annotation
        .filter(party__isnull=False, due_date__lte=today - dt.timedelta(days=first_day))
        .annotate(number_text=Coalesce("number", Value("")))
        .order_by()
        .values_list(
            "id",
            "party_id",
            "number_text",
            "currency",
            "issue_date",
            "due_date",
            "total",
            "settled_amount",
        )
    )
    # Tuples straight from the rows: no model instances.
    make = dunning.OpenDocument
    return [
        make(pk, party, number, currency, issued, due, total - settled)
        for pk, party, number, currency, issued, due, total, settled in cast(
            Iterable[tuple[Any, ...]],
            rows,  # due dates are not null: filtered above
        )
    ]


def levels_of(company: Company) -> list[DunningLevel]:
    return list(
        DunningLevel.objects.filter(company=company, is_active=True).order_by("days_after_due")
    )


def sent_levels(company: Company, document_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    rows = ReminderSent.objects.filter(company=company)
    if document_ids is not None:
        rows = rows.filter(document_id__in=list(document_ids))
    for document_id, level_id in rows.order_by().values_list("document_id", "level_id"):
        found.setdefault(document_id, set()).add(level_id)
    return found


def last_reminder_days(company: Company) -> dict[int, dt.date]:
    """Document id → the day its latest reminder was sent (skipped levels do not count)."""
    rows = (
        ReminderSent.objects.filter(company=company, superseded=False)
        .order_by()
        .values("document_id")
        .annotate(last=Max("run_date"))
        .values_list("document_id", "last")
    )
    return dict(rows)


def active_pauses(company: Company, today: dt.date) -> QuerySet[DunningPause]:
    return DunningPause.objects.filter(company=company, until__gte=today, ended_at__isnull=True)


def reminder_plan(company: Company, today: dt.date) -> tuple[dunning.Plan, dict[int, DunningLevel]]:
    """What a reminder run on `today` would send (reads only; the preview and the run)."""

    levels = levels_of(company)
    if not levels:
        return dunning.Plan(), {}
    pauses = list(active_pauses(company, today).values_list("document_id", "party_id"))
    settings_row = settings_of(company)
    with cyclic_gc_paused():
        documents = open_documents_for_reminders(company, today, levels[0].days_after_due)
        result = dunning.plan(
            documents,
            [
                dunning.Level(lv.pk, lv.days_after_due, lv.charge_interest, lv.fee, lv.recipients)
                for lv in levels
            ],
            today,
            sent=sent_levels(company),
            paused_documents=[d for d, _p in pauses if d],
            paused_parties=[p for _d, p in pauses if p],
            interest_rate=settings_row.interest_rate,
            catch_up=settings_row.reminder_catch_up,
            last_sent_on=last_reminder_days(company),
        )
    return result, {level.pk: level for level in levels}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Building hundreds of thousands of small tuples (rows, plan lines) makes Python's cycle
    collector run over and over for nothing (they form no cycles): half of the planning time
    on a big company. Reference counting still frees everything; the collector resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def sum_cents(amount: Decimal | None) -> Decimal:
    """A SQL sum of money back to exact cents: SQLite adds decimals as floating point."""
    return round_cent(Decimal(amount or 0))


def payment_allocated_parts(payment: Payment) -> Decimal:
    """What `payment.allocated` must equal, recomputed from the rows: its active allocations,
    the refunds paid out of it, its active write-offs, and for a refund itself its own amount
    (a refund is allocated in full to the credit it returns). The invariant the actions keep."""
    company_id = payment.company_id
    allocations = Allocation.objects.filter(
        company_id=company_id, payment_id=payment.pk, undone_at__isnull=True
    ).aggregate(s=Sum("amount"))["s"]
    refunds = Payment.objects.filter(company_id=company_id, refund_of_id=payment.pk).aggregate(
        s=Sum("amount")
    )["s"]
    written_off = WriteOff.objects.filter(
        company_id=company_id, payment_id=payment.pk, undone_at__isnull=True
    ).aggregate(s=Sum("amount"))["s"]
    own = payment.amount if payment.refund_of_id else ZERO
    return sum_cents(allocations) + sum_cents(refunds) + sum_cents(written_off) + own


def fits_write_off_tolerance(company: Company, amount: Decimal, units_per_eur: Decimal) -> bool:
    """Whether `amount` of a currency of `units_per_eur` is within the company's write-off
    tolerance (EUR, *Payments → Settings*): the one judgement of the actions and the pages."""
    eur = round_cent(amount / units_per_eur, RoundingPoint.CONVERSION)
    return eur <= settings_of(company).write_off_tolerance_eur


# --- lists ---------------------------------------------------------------------------------------


def payments(
    company: Company,
    *,
    party_id: int | None = None,
    direction: str = "",
    unallocated_only: bool = False,
) -> QuerySet[Payment]:
    found = Payment.objects.filter(company=company).select_related("party")
    if party_id:
        found = found.filter(party_id=party_id)
    if direction:
        found = found.filter(direction=direction)
    if unallocated_only:
        found = found.filter(allocated__lt=F("amount"))
    return found.order_by("-date", "-id")


def payment(company: Company, payment_id: int) -> Payment | None:
    return Payment.objects.filter(company=company, pk=payment_id).select_related("party").first()


def allocations_of_payment(payment: Payment) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(company_id=payment.company_id, payment=payment)
        .select_related("document", "supplier_invoice")
        .order_by("id")
    )


def allocations_of_document(document: Document) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(company_id=document.company_id)
        .filter(Q(document=document) | Q(credit_note=document))
        .select_related("payment", "credit_note", "document")
        .order_by("date", "id")
    )


def write_offs_of_document(document: Document) -> QuerySet[WriteOff]:
    return WriteOff.objects.filter(company_id=document.company_id, document=document).order_by(
        "date", "id"
    )


def write_offs_of_payment(payment: Payment) -> QuerySet[WriteOff]:
    return WriteOff.objects.filter(company_id=payment.company_id, payment=payment).order_by(
        "date", "id"
    )


def write_offs_of_supplier_invoice(invoice: SupplierInvoice) -> QuerySet[WriteOff]:
    return WriteOff.objects.filter(
        company_id=invoice.company_id, supplier_invoice=invoice
    ).order_by("date", "id")


def allocations_of_supplier_invoice(invoice: SupplierInvoice) -> QuerySet[Allocation]:
    """What settled a supplier document (payments, credit notes set off against it) or, for a
    credit note, what it was set off against."""
    return (
        Allocation.objects.filter(company_id=invoice.company_id)
        .filter(Q(supplier_invoice=invoice) | Q(supplier_credit_note=invoice))
        .select_related("payment", "supplier_invoice", "supplier_credit_note")
        .order_by("date", "id")
    )


def set_off_targets(note: SupplierInvoice, limit: int = 50) -> list[SupplierInvoice]:
    """The supplier's open invoices and debit notes a credit note can be set off against: in
    its currency, with something left to pay; the invoice it corrects first. None when the
    note is used up or is no credit note."""
    if note.kind != SupplierDocumentKind.CREDIT_NOTE or note.amount_credited >= note.total:
        return []
    found = (
        SupplierInvoice.objects.filter(
            company_id=note.company_id,
            supplier_id=note.supplier_id,
            currency=note.currency,
            status=SupplierInvoiceStatus.REGISTERED,
            remaining__gt=0,
        )
        .exclude(kind=SupplierDocumentKind.CREDIT_NOTE)
        .order_by("due_date", "id")[:limit]
    )
    return sorted(found, key=lambda invoice: invoice.pk != note.corrected_invoice_id)


def reminders_of_document(document: Document) -> QuerySet[ReminderSent]:
    return (
        ReminderSent.objects.filter(company_id=document.company_id, document=document)
        .select_related("level")
        .order_by("-run_date", "-id")
    )


def reminders_of_party(company: Company, party: Party) -> QuerySet[ReminderSent]:
    return (
        ReminderSent.objects.filter(company=company, party=party)
        .select_related("level", "document")
        .order_by("-run_date", "-id")
    )


def open_amounts(company: Company, currency: str, since: dt.date) -> list[dict[str, Any]]:
    """Issued invoices, debit and credit notes in `currency` with something left, due on or after
    `since` (the forecast's source): rows with `total` = the open amount."""
    rows = (
        Document.objects.filter(
            company=company,
            status=DocumentStatus.ISSUED,
            currency=currency,
            kind__in=SETTLEABLE_KINDS,
        )
        .annotate(settled_amount=Coalesce("settlement__settled", ZERO_VALUE))
        .filter(total__gt=F("settled_amount"))
        .exclude(due_date__lt=since)
        .exclude(due_date__isnull=True, issue_date__lt=since)
        .values(
            "id", "kind", "number", "due_date", "issue_date", "total", "settled_amount", "party_id"
        )
        .order_by("id")
    )
    found = []
    for row in rows:
        data = dict(row)
        data["total"] = data.pop("total") - data.pop("settled_amount")
        found.append(data)
    return found


def refund_candidates(payment: Payment, limit: int = 20) -> QuerySet[Payment]:
    """The payments `payment` could return the rest of (`actions.link_refund`): the other way,
    in its currency, of its party (any party when it has none), no refund themselves, with at
    least its amount unallocated; the latest first. None when `payment` has anything allocated
    or is a refund already."""
    if payment.allocated or payment.refund_of_id:
        return Payment.objects.none()
    other = Direction.OUT if payment.direction == Direction.IN else Direction.IN
    found = Payment.objects.filter(
        company_id=payment.company_id,
        direction=other,
        currency=payment.currency,
        refund_of__isnull=True,
        amount__gte=F("allocated") + payment.amount,
    ).exclude(pk=payment.pk)
    if payment.party_id:
        found = found.filter(party_id=payment.party_id)
    return found.select_related("party").order_by("-date", "-id")[:limit]
