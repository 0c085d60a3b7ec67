"""Accounting exports: the account mapping, destinations, batches, per-document export state and
VAT period closes.

Invariants kept here (the actions keep the rest, docs/accounting.md):
- A batch's bytes never change after it is written (`sha256` of the stored zip); downloading
  it again gives identical bytes.
- One export state row per (destination, document); a manual export (no destination) has its
  own row per document with `destination = NULL`.
- At most one open (not reopened) close per company and period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from xfinances.accounting.records import DEFAULT_REVENUE
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.text_limits import BoundedTextModel, text_length_check


def _default_revenue() -> dict[str, str]:
    return dict(DEFAULT_REVENUE)


class AccountMappingSettings(BoundedTextModel):
    """A company's accounts for the journal entries (defaults: the common Bulgarian chart)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    revenue = models.JSONField(_("revenue account per VAT treatment"), default=_default_revenue)
    revenue_default = models.CharField(
        _("revenue (other treatments)"), max_length=20, default="703"
    )
    receivables = models.CharField(_("receivables from clients"), max_length=20, default="411")
    payables = models.CharField(_("payables to suppliers"), max_length=20, default="401")
    vat_sales = models.CharField(_("VAT on sales"), max_length=20, default="4532")
    vat_purchases = models.CharField(_("VAT on purchases"), max_length=20, default="4531")
    purchases = models.CharField(_("purchases (expenses)"), max_length=20, default="602")
    cash = models.CharField(_("cash"), max_length=20, default="501")
    bank = models.CharField(_("bank"), max_length=20, default="503")
    other_money = models.CharField(_("other cash and bank movements"), max_length=20, default="498")
    exchange_gain = models.CharField(_("exchange gains"), max_length=20, default="724")
    exchange_loss = models.CharField(_("exchange losses"), max_length=20, default="624")
    write_off_expense = models.CharField(
        _("written-off receivables (expenses)"), max_length=20, default="609"
    )
    write_off_income = models.CharField(
        _("written-off payables (income)"), max_length=20, default="709"
    )
    submitter = models.CharField(
        _("VAT return submitted by (ЕГН and name)"), max_length=50, blank=True
    )
    credit_coefficient = models.DecimalField(
        _("partial credit coefficient"), max_digits=3, decimal_places=2, default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account mapping")

    def __str__(self) -> str:
        return str(capfirst(self._meta.verbose_name))


class Schedule(models.TextChoices):
    ON_ISSUE = "on_issue", _("On issue")
    HOURLY = "hourly", _("Hourly")
    DAILY = "daily", _("Daily")
    MONTH_END = "month_end", _("At month end")


class Channel(models.TextChoices):
    FOLDER = "folder", _("Folder")
    EMAIL = "email", _("E-mail to the accountant")
    HTTPS = "https", _("HTTPS endpoint (signed)")


class Destination(BoundedTextModel):
    """Where a company's documents go by themselves: a target format, what, when and where."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    target = models.CharField(_("format"), max_length=40)
    kinds = models.JSONField(_("what to send"), default=list)
    schedule = models.CharField(_("when"), max_length=10, choices=Schedule.choices)
    channel = models.CharField(_("where"), max_length=10, choices=Channel.choices)
    folder = models.CharField(_("folder"), max_length=500, blank=True)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    # The outbox's webhook endpoint (URL + signing secret) for an HTTPS destination.
    endpoint = models.ForeignKey(
        "notifications.WebhookEndpoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last problem"), blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("export destination")
        ordering = ["company_id", "name", "id"]
        constraints = [text_length_check("accounting_destination", "last_error", 4000)]
        indexes = [models.Index(fields=["company", "is_active"], name="acc_destination_company")]

    def __str__(self) -> str:
        return self.name


def batch_path(instance: models.Model, filename: str) -> str:
    return f"accounting/{getattr(instance, 'company_id', 0)}/{filename}"


class BatchStatus(models.TextChoices):
    READY = "ready", _("Ready")
    QUEUED = "queued", _("Queued for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")


class ExportBatch(BoundedTextModel):
    """One export: the files of a target for a period (or for documents since the last run),
    stored as a zip whose bytes never change."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    destination = models.ForeignKey(
        Destination, on_delete=models.PROTECT, null=True, blank=True, related_name="batches"
    )
    target = models.CharField(_("format"), max_length=40)
    period = models.CharField(_("period"), max_length=6)
    kinds = models.JSONField(default=list)
    # Idempotency: the same destination, period and set of document versions makes one batch.
    key = models.CharField(max_length=100)
    file = models.FileField(upload_to=batch_path)
    filenames = models.JSONField(default=list)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    records = models.PositiveIntegerField(_("records"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.READY
    )
    error = models.TextField(_("problem"), blank=True, max_length=4000)
    attempts = models.PositiveIntegerField(default=0)
    outbox_message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("export batch")
        ordering = ["company_id", "-created_at", "-id"]
        constraints = [
            text_length_check("accounting_exportbatch", "error", 4000),
            models.UniqueConstraint(fields=["company", "key"], name="acc_batch_key_unique"),
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"], name="acc_batch_company"),
            models.Index(fields=["company", "status"], name="acc_batch_status"),
        ]

    def __str__(self) -> str:
        return str(
            _("Batch %(id)s, %(period)s")
            % {"id": self.pk, "period": formatting.period(self.period)}
        )


class ExportState(models.TextChoices):
    EXPORTED = "exported", _("Exported")
    CHANGED = "changed", _("Changed since export")
    FAILED = "failed", _("Export failed")


class DocumentExport(BoundedTextModel):
    """Where one document went: per destination (NULL: a manual export), the batch, the
    version sent, and whether it changed since or failed."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=40)  # "invoicing.Document", "purchases.SupplierInvoice"
    object_id = models.BigIntegerField()
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        ExportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices)
    error = models.TextField(_("problem"), blank=True, max_length=4000)
    exported_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document export")
        ordering = ["company_id", "source", "object_id", "id"]
        constraints = [
            text_length_check("accounting_documentexport", "error", 4000),
            models.UniqueConstraint(
                fields=["company", "destination", "source", "object_id"],
                name="acc_document_export_unique",
            ),
            models.UniqueConstraint(
                fields=["company", "source", "object_id"],
                condition=models.Q(destination__isnull=True),
                name="acc_document_export_manual_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "source", "object_id"], name="acc_document_export_doc"),
            models.Index(
                fields=["company", "state", "updated_at"], name="acc_document_export_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.object_id}: {self.state}"


class VatPeriodClose(BoundedTextModel):
    """A VAT month closed by the company: its documents locked, who and when; reopening is an
    owner's audited action."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=6)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)
    previous_lock_date = models.DateField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.CharField(_("reason for reopening"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("VAT period close")
        ordering = ["company_id", "-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"],
                condition=models.Q(reopened_at__isnull=True),
                name="acc_period_close_once",
            )
        ]
        indexes = [models.Index(fields=["company", "period"], name="acc_period_close_company")]

    def __str__(self) -> str:
        return str(_("VAT period %(period)s") % {"period": formatting.period(self.period)})
