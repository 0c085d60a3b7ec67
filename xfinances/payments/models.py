"""Payments, their allocations to documents, write-offs, and client reminders (dunning).

Invariants (kept by `actions.py` under the row locks of `locks.py`, and by CHECK constraints):
- A payment's `allocated` (active allocations + refunds + active write-offs of its unallocated
  rest, payment currency) never exceeds its `amount`; `unallocated` is the rest, the party's
  credit (`queries.payment_allocated_parts` recomputes it from the rows).
- A document's settled amount (`DocumentSettlement`: paid + credited + written off, document
  currency) never exceeds its total; a credit note's settled amount (used against invoices or
  refunded) never exceeds the note's total.
- An allocation is never deleted: undoing it sets `undone_at/undone_by/undo_reason` and gives
  the amounts back to both sides (audited).
- Statuses (unpaid / partly paid / paid / overpaid / written off) are stored on the document
  (invoicing's `refresh_payment_status`, called with the settlement row's amounts in the same
  transaction as every change of it). See docs/receivables.md.

Allocation targets: a sales document (`document`) or, for an outgoing payment, a supplier
invoice (`supplier_invoice`): exactly one of them (CHECK `allocation_one_target`). A supplier
invoice's paid and remaining amounts live on the invoice (`purchases.actions.set_paid_amount`),
so it has no `DocumentSettlement` row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.models import Company, Currency
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}
RATE: dict[str, Any] = {"max_digits": 18, "decimal_places": 8}
ZERO = Decimal("0.00")


class Direction(models.TextChoices):
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


class PaymentSource(models.TextChoices):
    BANK = "bank", _("Bank account")
    CASH = "cash", _("Cash register")
    MANUAL = "manual", _("Entered by hand")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    OFFSET = "offset", _("Offset (прихващане)")
    OTHER = "other", _("Other")


class Payment(BoundedTextModel):
    """Money received from or paid to a party, in any currency."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    eur_rate = models.DecimalField(_("units of the currency per 1 EUR"), **RATE)
    eur_amount = models.DecimalField(_("amount in EUR"), **AMOUNT)
    method = models.CharField(
        _("method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    source = models.CharField(
        _("source"), max_length=6, choices=PaymentSource.choices, default=PaymentSource.MANUAL
    )
    movement = models.ForeignKey(
        "treasury.Movement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cash or bank movement"),
    )
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Allocations + refunds + write-offs of an overpayment, in the payment currency; written
    # only by the actions.
    allocated = models.DecimalField(_("allocated"), **AMOUNT, default=ZERO)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        help_text="an outgoing payment returning (part of) an incoming payment's credit",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["company_id", "-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("amount")),
                name="payment_allocated_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-date", "-id"], name="payment_company_date"),
            models.Index(fields=["company", "party", "date"], name="payment_party"),
            models.Index(fields=["company", "movement"], name="payment_movement"),
        ]

    def __str__(self) -> str:
        return f"{formatting.date(self.date)} {formatting.money(self.amount, self.currency)}"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated


class Allocation(BoundedTextModel):
    """Part of a payment (or of a credit note) settling part of a document.

    Source: `payment`, `credit_note` (a sales note: target `document`) or
    `supplier_credit_note` (target `supplier_invoice`), exactly one. Target: `document` or
    `supplier_invoice`. `amount` is in the
    source's currency, `document_amount` in the document's. `exchange_difference_eur`:
    `received_eur` (the amount at the payment's rate) minus `booked_eur` (the document amount
    at the document's booked rate), signed as a gain (+) or loss (−) for the company. A credit
    note's part: `received_eur` at the note's rate, `booked_eur` at the claim's; in a floating
    currency the two differ, and the export books the difference (accounting/note_differences)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_allocations",
    )
    supplier_invoice = models.ForeignKey(
        "purchases.SupplierInvoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_allocations",
    )
    #: A supplier's credit note set off against `supplier_invoice` (its source, as
    #: `credit_note` is a sales note's).
    supplier_credit_note = models.ForeignKey(
        "purchases.SupplierInvoice",
        verbose_name=_("supplier credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (source currency)"), **AMOUNT)
    document_amount = models.DecimalField(_("amount (document currency)"), **AMOUNT)
    exchange_difference_eur = models.DecimalField(
        _("exchange difference (EUR)"), **AMOUNT, default=ZERO
    )
    #: `amount` in EUR at the payment's rate, and `document_amount` at the document's booked
    #: rate (`payments.rates.part_eur`): the part that closes its payment or its document takes
    #: what the other parts left of the whole's EUR figure, so the party's account closes.
    received_eur = models.DecimalField(_("received (EUR)"), **AMOUNT, default=ZERO)
    booked_eur = models.DecimalField(_("booked (EUR)"), **AMOUNT, default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undo_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("allocation")
        ordering = ["company_id", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(document_amount__gt=0),
                name="allocation_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    payment__isnull=False,
                    credit_note__isnull=True,
                    supplier_credit_note__isnull=True,
                )
                | Q(
                    payment__isnull=True,
                    credit_note__isnull=False,
                    supplier_credit_note__isnull=True,
                )
                | Q(
                    payment__isnull=True,
                    credit_note__isnull=True,
                    supplier_credit_note__isnull=False,
                ),
                name="allocation_one_source",
            ),
            models.CheckConstraint(
                condition=Q(
                    document__isnull=False,
                    supplier_invoice__isnull=True,
                    supplier_credit_note__isnull=True,
                )
                | Q(
                    document__isnull=True, supplier_invoice__isnull=False, credit_note__isnull=True
                ),
                name="allocation_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "document", "date"], name="allocation_document"),
            models.Index(fields=["company", "payment"], name="allocation_payment"),
            models.Index(fields=["company", "credit_note"], name="allocation_credit_note"),
            models.Index(
                fields=["company", "supplier_credit_note"], name="allocation_supplier_note"
            ),
            models.Index(
                fields=["company", "supplier_invoice", "date"], name="allocation_supplier_inv"
            ),
        ]

    def __str__(self) -> str:
        # Kept as the audit record's name and shown in histories: a formatted amount and the
        # document's own name, not "2580.00 → supplier 3".
        target = self.document or self.supplier_invoice
        return f"{formatting.amount(self.amount)} → {target or '—'}"

    @property
    def is_active(self) -> bool:
        return self.undone_at is None


class DocumentSettlement(BoundedTextModel):
    """How much of a sales document is settled, in its currency. One row per document that has
    ever been touched by an allocation or a write-off; no row means nothing settled.

    For an invoice or debit note: `paid` by payments, `credited` by credit notes, `written_off`.
    For a credit note: `credited` = used against invoices, `paid` = refunded to the client."""

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="settlement"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    paid = models.DecimalField(**AMOUNT, default=ZERO)
    credited = models.DecimalField(**AMOUNT, default=ZERO)
    written_off = models.DecimalField(**AMOUNT, default=ZERO)
    settled = models.DecimalField(**AMOUNT, default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("settlement of a document")
        constraints = [
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(credited__gte=0) & Q(written_off__gte=0),
                name="settlement_parts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["company", "document"], name="settlement_company")]

    def __str__(self) -> str:
        return f"{self.document_id}: {formatting.amount(self.settled)}"


class WriteOff(BoundedTextModel):
    """A small difference written off with a reason (within the company's tolerance, in EUR).

    Target: exactly one of (CHECK `write_off_one_target`)
    - `document`: the unpaid remainder of a sales invoice or debit note (its settlement's
      `written_off`, document currency);
    - `payment`: the unallocated rest of a payment, an overpayment (counted in the payment's
      `allocated`, so the party's credit drops by it; payment currency);
    - `supplier_invoice`: the unpaid remainder of a supplier invoice (the invoice's
      `amount_written_off`, kept by `purchases.actions.set_written_off_amount`; its currency).
    `amount` is in the target's currency. Undoing sets `undone_at/undone_by/undo_reason` and
    gives the amount back; the row stays. See docs/decisions/0015-write-off-targets.md."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="write_offs"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="write_offs"
    )
    supplier_invoice = models.ForeignKey(
        "purchases.SupplierInvoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="write_offs",
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **AMOUNT)
    #: `amount` in EUR at the rate its target was booked at, the closing part taking what the
    #: target's other parts left (`payments.rates.part_eur`): the party's line in the export.
    booked_eur = models.DecimalField(_("booked (EUR)"), **AMOUNT, default=ZERO)
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undo_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("write-off")
        ordering = ["company_id", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_positive"),
            models.CheckConstraint(
                condition=Q(
                    document__isnull=False, payment__isnull=True, supplier_invoice__isnull=True
                )
                | Q(document__isnull=True, payment__isnull=False, supplier_invoice__isnull=True)
                | Q(document__isnull=True, payment__isnull=True, supplier_invoice__isnull=False),
                name="write_off_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "document"], name="write_off_document"),
            models.Index(fields=["company", "payment"], name="write_off_payment"),
            models.Index(fields=["company", "supplier_invoice"], name="write_off_supplier_inv"),
        ]

    def __str__(self) -> str:
        target = self.document or self.payment or self.supplier_invoice
        return f"{formatting.amount(self.amount)} ← {target or '—'}"

    @property
    def is_active(self) -> bool:
        return self.undone_at is None

    @property
    def currency(self) -> str:
        """The currency of `amount`: its target's."""
        target = self.document or self.payment or self.supplier_invoice
        return target.currency if target is not None else ""


class CatchUp(models.TextChoices):
    """What a client gets when several levels became due since its last reminder (the first
    run after switching reminders on, or after a pause)."""

    ONE_LEVEL = "one_level", _("One level at a time, each after its own interval")
    LATEST = "latest", _("Only the latest level due; the earlier ones are skipped")


class PaymentSettings(BoundedTextModel):
    """Per-company settings of the payments area."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    write_off_tolerance_eur = models.DecimalField(
        _("write-off tolerance (EUR)"), **AMOUNT, default=Decimal("1.00")
    )
    interest_base_rate = models.DecimalField(
        _("base rate of the BNB (%)"), max_digits=6, decimal_places=3, default=Decimal("0")
    )
    interest_margin = models.DecimalField(
        _("percentage points over the base rate"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("10"),
    )
    reminders_enabled = models.BooleanField(_("send reminders"), default=True)
    reminder_hour = models.PositiveSmallIntegerField(_("hour of the daily reminder run"), default=8)
    payment_instructions = models.TextField(
        _("how to pay (shown in reminders)"), blank=True, max_length=2000
    )
    apply_credit_notes_on_issue = models.BooleanField(
        _("offset a credit note against its invoice when it is issued"), default=True
    )
    reminder_catch_up = models.CharField(
        _("when several reminder levels are due at once"),
        max_length=10,
        choices=CatchUp.choices,
        default=CatchUp.ONE_LEVEL,
    )

    class Meta:
        constraints = [text_length_check("payments_paymentsettings", "payment_instructions", 2000)]
        verbose_name = _("payment settings")

    def __str__(self) -> str:
        return str(capfirst(self._meta.verbose_name))

    @property
    def interest_rate(self) -> Decimal:
        return self.interest_base_rate + self.interest_margin


class ReminderRecipients(models.TextChoices):
    CLIENT = "client", _("The client")
    RESPONSIBLE = "responsible", _("The responsible employee")
    BOTH = "both", _("Both")


class DunningLevel(BoundedTextModel):
    """One reminder level: sent `days_after_due` days after the due date (negative: before)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    days_after_due = models.IntegerField(_("days after the due date"))
    subject_bg = models.CharField(_("subject (Bulgarian)"), max_length=200)
    body_bg = models.TextField(_("text (Bulgarian)"), max_length=10000)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("text (English)"), max_length=10000)
    charge_interest = models.BooleanField(_("show late-payment interest"), default=False)
    fee = models.DecimalField(_("fee (EUR)"), **AMOUNT, default=ZERO)
    recipients = models.CharField(
        _("send to"),
        max_length=12,
        choices=ReminderRecipients.choices,
        default=ReminderRecipients.CLIENT,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder level")
        ordering = ["company_id", "days_after_due", "id"]
        constraints = [
            text_length_check("payments_dunninglevel", "body_en", 10000),
            text_length_check("payments_dunninglevel", "body_bg", 10000),
            models.UniqueConstraint(
                fields=["company", "days_after_due"], name="dunning_level_day_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the language of the page (English when it has one and English is on)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def when_label(self) -> str:
        """When it is sent: "3 days before the due date", "on the due date", "15 days after…"."""
        days = self.days_after_due
        if days < 0:
            return ngettext(
                "%(count)d day before the due date", "%(count)d days before the due date", -days
            ) % {"count": -days}
        if days == 0:
            return str(_("on the due date"))
        return ngettext(
            "%(count)d day after the due date", "%(count)d days after the due date", days
        ) % {"count": days}


class DunningPause(BoundedTextModel):
    """No reminders for a document or for a whole client until `until` (inclusive)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder pause")
        ordering = ["company_id", "-until", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False, party__isnull=True)
                | Q(document__isnull=True, party__isnull=False),
                name="dunning_pause_one_target",
            )
        ]
        indexes = [models.Index(fields=["company", "until"], name="dunning_pause_until")]

    def __str__(self) -> str:
        return f"{self.reason} → {formatting.date(self.until)}"


class RunKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MANUAL = "manual", _("Sent now by hand")


class ReminderRun(BoundedTextModel):
    """One run of the reminders for a company and a day. The scheduled run of a day is claimed
    by inserting this row (unique): a second worker gets an IntegrityError and does nothing."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    run_date = models.DateField(_("day"))
    kind = models.CharField(max_length=10, choices=RunKind.choices, default=RunKind.SCHEDULED)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    emails = models.PositiveIntegerField(_("e-mails"), default=0)
    reminders = models.PositiveIntegerField(_("reminders"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder run")
        ordering = ["company_id", "-run_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "run_date"],
                condition=Q(kind="scheduled"),
                name="reminder_run_one_scheduled_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"{formatting.date(self.run_date)} {self.get_kind_display()}"


class ReminderSent(BoundedTextModel):
    """A level reached a document: sent in an e-mail, or `superseded` (skipped because a higher
    level was due at the same run). Unique per (level, document): never twice."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(DunningLevel, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ReminderRun, on_delete=models.PROTECT, related_name="sent")
    run_date = models.DateField()
    superseded = models.BooleanField(default=False)
    remaining = models.DecimalField(**AMOUNT, default=ZERO)
    days_overdue = models.IntegerField(default=0)
    interest = models.DecimalField(**AMOUNT, default=ZERO)
    # The outbox row (xfinances.notifications.OutboxMessage) that carried it; a plain id so the
    # payments tables do not depend on the notifications app's migrations.
    message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        ordering = ["company_id", "-run_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["level", "document"], name="reminder_once_per_level")
        ]
        indexes = [
            models.Index(fields=["company", "document"], name="reminder_document"),
            models.Index(fields=["company", "party", "-run_date"], name="reminder_party"),
        ]

    def __str__(self) -> str:
        return f"{self.level_id} {self.document_id} {formatting.date(self.run_date)}"


class OverdueNotice(BoundedTextModel):
    """The marker that a reminder run saw a document overdue and emitted `document.overdue`:
    one row per document, so the event goes out once (unique per document)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ReminderRun, on_delete=models.PROTECT, related_name="overdue_notices")
    seen_on = models.DateField(_("seen overdue on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("overdue notice")
        ordering = ["company_id", "-seen_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "document"], name="overdue_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} {formatting.date(self.seen_on)}"
