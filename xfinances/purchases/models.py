"""Supplier invoices (incoming invoices, credit and debit notes), their VAT rows for the
purchase ledger (POKUPKI), attachments, approvals, payment alerts and payment batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.models import Company, Currency
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.parties.models import Party

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}
RATE: dict[str, Any] = {"max_digits": 18, "decimal_places": 8}
ZERO = Decimal("0.00")


class SupplierDocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DEBIT_NOTE = "debit_note", _("Debit note")


# POKUPKI document type codes (accounting-exports.md).
NAP_DOCUMENT_CODES = {
    SupplierDocumentKind.INVOICE: "01",
    SupplierDocumentKind.DEBIT_NOTE: "02",
    SupplierDocumentKind.CREDIT_NOTE: "03",
}


class SupplierInvoiceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("No approval needed")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PaymentStatus(models.TextChoices):
    TO_PAY = "to_pay", _("To pay")
    SCHEDULED = "scheduled", _("Scheduled for payment")
    PAID = "paid", _("Paid")
    NOTHING_TO_PAY = "none", _("Nothing to pay")


class VatCredit(models.TextChoices):
    """The right to deduct the input VAT: picks the POKUPKI columns."""

    FULL = "full", _("Full credit")
    PARTIAL = "partial", _("Partial credit")
    NONE = "none", _("No credit")


class ExportStatus(models.TextChoices):
    NOT_EXPORTED = "", _("Not exported")
    EXPORTED = "exported", _("Exported")
    FAILED = "failed", _("Export failed")


class PurchaseCategory(BoundedTextModel):
    """What the company bought (materials, services, rent…). Each company edits its own list."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("purchase category")
        verbose_name_plural = _("purchase categories")
        ordering = ["company_id", "sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="purchase_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PurchaseSettings(BoundedTextModel):
    """Per-company settings of supplier invoices and their payment alerts."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    alert_days_before = models.PositiveSmallIntegerField(
        _("alert this many days before the due date"), default=3
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("tell the owners after this many days overdue"), default=5
    )
    approval_alert_days = models.PositiveSmallIntegerField(
        _("alert the approver this many days before the due date"), default=5
    )
    vat_tolerance = models.DecimalField(
        _("largest accepted VAT rounding difference per row"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.50"),
    )
    approval_required = models.BooleanField(_("new invoices need approval"), default=False)

    class Meta:
        verbose_name = _("purchase settings")

    def __str__(self) -> str:
        return f"purchase settings of {self.company_id}"


class SupplierInvoice(BoundedTextModel):
    """An incoming document from a supplier. Amounts are stored positive for every kind; the
    ledger and exports negate credit notes (`sign`)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="supplier_invoices",
        verbose_name=_("supplier"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=SupplierDocumentKind.choices,
        default=SupplierDocumentKind.INVOICE,
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SupplierInvoiceStatus.choices,
        default=SupplierInvoiceStatus.REGISTERED,
    )
    supplier_number = models.CharField(_("supplier's number"), max_length=40)
    # Upper-cased, spaces removed, leading zeros of an all-digit number dropped (numbers.py).
    number_key = models.CharField(max_length=40, editable=False)
    issue_date = models.DateField(_("date of issue"))
    tax_event_date = models.DateField(_("tax event date"))
    received_date = models.DateField(_("received on"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    exchange_rate = models.DecimalField(
        _("units per 1 EUR"), **RATE, default=Decimal("1"), help_text=_("1 for EUR")
    )
    total_base = models.DecimalField(_("tax base"), **AMOUNT, default=ZERO)
    total_vat = models.DecimalField(_("VAT"), **AMOUNT, default=ZERO)
    total = models.DecimalField(_("total"), **AMOUNT, default=ZERO)
    eur_total_base = models.DecimalField(**AMOUNT, default=ZERO)
    eur_total_vat = models.DecimalField(**AMOUNT, default=ZERO)
    eur_total = models.DecimalField(**AMOUNT, default=ZERO)
    corrected_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("corrected invoice"),
    )
    category = models.ForeignKey(
        PurchaseCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("purchase category"),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible employee"),
    )
    supplier_iban = models.CharField(_("supplier's IBAN"), max_length=34, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=140, blank=True)
    # Approval.
    approval_status = models.CharField(
        _("approval"),
        max_length=12,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.NOT_REQUIRED,
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approver"),
    )
    approval_reason = models.TextField(_("reason"), blank=True, max_length=1000)
    approval_decided_at = models.DateTimeField(null=True, blank=True)
    approval_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Payment: maintained by actions.set_paid_amount (the payments area calls it).
    payment_status = models.CharField(
        _("payment"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.TO_PAY
    )
    amount_paid = models.DecimalField(_("paid"), **AMOUNT, default=ZERO)
    # A small unpaid difference written off by the payments area (its WriteOff rows), kept by
    # actions.set_written_off_amount; `remaining` = total − paid − written off − credited.
    amount_written_off = models.DecimalField(_("written off"), **AMOUNT, default=ZERO)
    # Set off by the supplier's credit notes (the payments area's allocations), kept by
    # actions.set_credited_amount: an invoice's part a note took off, a note's part used.
    amount_credited = models.DecimalField(_("credited"), **AMOUNT, default=ZERO)
    remaining = models.DecimalField(_("remaining"), **AMOUNT, default=ZERO)
    # Purchase ledger (POKUPKI) in EUR, from the VAT rows: 03-30 base+VAT without credit,
    # 03-31/03-41 full credit, 03-32/03-42 partial credit.
    ledger_no_credit = models.DecimalField(**AMOUNT, default=ZERO)
    ledger_full_base = models.DecimalField(**AMOUNT, default=ZERO)
    ledger_full_vat = models.DecimalField(**AMOUNT, default=ZERO)
    ledger_partial_base = models.DecimalField(**AMOUNT, default=ZERO)
    ledger_partial_vat = models.DecimalField(**AMOUNT, default=ZERO)
    vat_warnings = models.JSONField(default=list, blank=True)
    # Accounting export (like sales documents): set by the exporter; an exported invoice is locked.
    exported_at = models.DateTimeField(null=True, blank=True)
    export_status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.NOT_EXPORTED, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("supplier invoice")
        verbose_name_plural = _("supplier invoices")
        ordering = ["company_id", "-issue_date", "-id"]
        constraints = [
            text_length_check("purchases_supplierinvoice", "cancel_reason", 1000),
            text_length_check("purchases_supplierinvoice", "approval_reason", 1000),
            models.UniqueConstraint(
                fields=["company", "supplier", "kind", "number_key"],
                name="supplier_invoice_number_unique",
                condition=~models.Q(status="cancelled"),
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-issue_date", "-id"], name="supplier_inv_company"),
            models.Index(fields=["company", "payment_status", "due_date"], name="supplier_inv_due"),
            models.Index(fields=["company", "supplier"], name="supplier_inv_supplier"),
            models.Index(fields=["company", "tax_event_date"], name="supplier_inv_period"),
        ]

    def __str__(self) -> str:
        return f"{formatting.choice_label(SupplierDocumentKind, self.kind)} {self.supplier_number}"

    @property
    def sign(self) -> int:
        return -1 if self.kind == SupplierDocumentKind.CREDIT_NOTE else 1

    @property
    def nap_document_code(self) -> str:
        return NAP_DOCUMENT_CODES[SupplierDocumentKind(self.kind)]

    @property
    def is_payable(self) -> bool:
        return (
            self.status == SupplierInvoiceStatus.REGISTERED
            and self.kind != SupplierDocumentKind.CREDIT_NOTE
            and self.approval_status != ApprovalStatus.REJECTED
        )

    @property
    def is_locked(self) -> bool:
        return self.exported_at is not None


class SupplierInvoiceVatRow(BoundedTextModel):
    """Base and VAT at one rate with one credit right: what the purchase ledger reads."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="vat_rows")
    vat_rate = models.DecimalField(_("VAT rate %"), max_digits=5, decimal_places=2)
    vat_credit = models.CharField(
        _("VAT credit"), max_length=8, choices=VatCredit.choices, default=VatCredit.FULL
    )
    base = models.DecimalField(_("tax base"), **AMOUNT)
    vat = models.DecimalField(_("VAT"), **AMOUNT)
    eur_base = models.DecimalField(**AMOUNT)
    eur_vat = models.DecimalField(**AMOUNT)

    class Meta:
        verbose_name = _("VAT row")
        ordering = ["company_id", "invoice_id", "id"]
        indexes = [models.Index(fields=["company", "invoice"], name="supplier_vat_row_inv")]

    def __str__(self) -> str:
        base, vat = formatting.amount(self.base), formatting.amount(self.vat)
        return f"{formatting.percent(self.vat_rate)} % {base} / {vat}"


def attachment_upload_path(instance: SupplierInvoiceAttachment, filename: str) -> str:
    return f"purchases/{instance.company_id}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class SupplierInvoiceAttachment(BoundedTextModel):
    """The scan or PDF of the document (or its UBL XML)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(
        SupplierInvoice, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_upload_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        ordering = ["company_id", "invoice_id", "id"]
        indexes = [models.Index(fields=["company", "invoice"], name="supplier_attachment_inv")]

    def __str__(self) -> str:
        return self.filename


class SupplierInvoiceImport(BoundedTextModel):
    """An uploaded UBL XML kept between preview and confirmation."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField(editable=False)
    invoice = models.ForeignKey(
        SupplierInvoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("UBL import")
        ordering = ["company_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="supplier_import_company")]

    def __str__(self) -> str:
        return self.filename


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Overdue, told the owners")
    APPROVAL_PENDING = "approval", _("Waiting for approval near the due date")


class SupplierAlert(BoundedTextModel):
    """An alert that went out. Each kind at most once per invoice (the unique key)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    run_date = models.DateField()
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supplier payment alert")
        ordering = ["company_id", "invoice_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="supplier_alert_once")
        ]
        indexes = [models.Index(fields=["company", "invoice"], name="supplier_alert_inv")]

    def __str__(self) -> str:
        return f"{self.kind} {self.invoice_id}"


class SupplierAlertRun(BoundedTextModel):
    """The claim of one daily alert run of one company: a second worker finds it and stops."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    run_date = models.DateField()
    alerts_sent = models.PositiveIntegerField(default=0)
    emails_queued = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supplier alert run")
        ordering = ["company_id", "-run_date"]
        constraints = [
            models.UniqueConstraint(fields=["company", "run_date"], name="supplier_alert_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {formatting.date(self.run_date)}"


class PaymentBatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EXPORTED = "exported", _("Exported to the bank")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentBatch(BoundedTextModel):
    """Supplier invoices chosen for payment; the bank payment-file (pain.001) export reads it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PaymentBatchStatus.choices,
        default=PaymentBatchStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    invoices: models.ManyToManyField[SupplierInvoice, PaymentBatchItem] = models.ManyToManyField(
        SupplierInvoice, through="PaymentBatchItem", related_name="payment_batches"
    )

    class Meta:
        verbose_name = _("payment batch")
        ordering = ["company_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["company", "status"], name="payment_batch_company")]

    def __str__(self) -> str:
        return f"#{self.pk} ({formatting.choice_label(PaymentBatchStatus, self.status)})"


class PaymentBatchItem(BoundedTextModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(SupplierInvoice, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **AMOUNT)
    currency = models.CharField(max_length=3)

    class Meta:
        verbose_name = _("payment batch item")
        ordering = ["company_id", "batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "invoice"], name="payment_batch_item_unique")
        ]
        indexes = [models.Index(fields=["company", "invoice"], name="payment_batch_item_inv")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {formatting.amount(self.amount)}"
