"""Sales documents (invoice, proforma, credit/debit note, art. 117 protocol), their lines, VAT
groups, number series and stored PDFs (API idempotency keys: core.IdempotencyRecord).

Invariants kept here (the actions keep the rest, see docs/sales-documents.md):
- A number (10 digits) exists only on an issued or voided document; it is unique per company
  within its number group (all tax documents share one group, proformas have their own).
- Money is Decimal; document totals and VAT groups are written only from `totals.py` results.
- Everything the printed document shows about the supplier and the recipient is frozen in
  snapshot columns at issue: editing the party or the company later changes nothing printed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from xfinances.catalog.models import Product, VatTreatment
from xfinances.core import formatting
from xfinances.core.models import Company, Currency
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.invoicing.payment_state import BADGE_CLASSES, PaymentStatus, payment_state
from xfinances.parties.models import Party, PartyKind

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}
RATE: dict[str, Any] = {"max_digits": 18, "decimal_places": 8}
ZERO = Decimal("0.00")


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PROFORMA = "proforma", _("Proforma invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DEBIT_NOTE = "debit_note", _("Debit note")
    PROTOCOL = "protocol", _("Protocol (art. 117 ЗДДС)")


NOTE_KINDS = frozenset({DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE})


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    VOIDED = "voided", _("Voided")


class SeriesGroup(models.TextChoices):
    """Which documents share a number sequence (ППЗДДС art. 78)."""

    TAX = "tax", _("Tax documents (invoices, notes, protocols)")
    PROFORMA = "proforma", _("Proforma invoices")


def series_group_of(kind: str) -> str:
    return SeriesGroup.PROFORMA if kind == DocumentKind.PROFORMA else SeriesGroup.TAX


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    OFFSET = "offset", _("Offset (прихващане)")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")


class DocumentLanguage(models.TextChoices):
    BULGARIAN = "bg", _("Bulgarian")
    ENGLISH = "en", _("English")
    BILINGUAL = "bg-en", _("Bilingual")


class ExportStatus(models.TextChoices):
    NOT_EXPORTED = "", _("Not exported")
    EXPORTED = "exported", _("Exported")
    FAILED = "failed", _("Export failed")


class DeliveredVia(models.TextChoices):
    """How a document first reached its client."""

    EMAIL = "email", _("sent by e-mail")
    PORTAL_VIEW = "portal_view", _("opened in the portal")
    PORTAL_DOWNLOAD = "portal_download", _("downloaded from the portal")
    ACCEPTED = "accepted", _("accepted in the portal")


class DocumentSettings(BoundedTextModel):
    """Per-company rules of sales documents. A company without a row has the defaults."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    allow_edit_after_delivery = models.BooleanField(
        _("allow correcting a document that reached the client"),
        default=False,
        help_text=_(
            "The corrected PDF is then e-mailed again, marked as corrected, and an earlier "
            "acceptance in the portal is reset."
        ),
    )

    class Meta:
        verbose_name = _("document settings")
        verbose_name_plural = _("document settings")

    def __str__(self) -> str:
        return str(capfirst(self._meta.verbose_name))


MIN_NUMBER = 1
MAX_NUMBER = 9_999_999_999


class PrintSettings(BoundedTextModel):
    """How a company's documents print: layout choices and texts (`pdf.PdfOptions`), and an
    optional custom Typst template (the source, checked by `pdf.validate_custom_template`
    before it is kept). A company without a row prints with the defaults."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#1f4e79")
    show_logo = models.BooleanField(_("print the company logo"), default=True)
    show_qr = models.BooleanField(_("print the payment QR code"), default=True)
    show_bgn_equivalent = models.BooleanField(
        _("print the total in BGN at the fixed rate"), default=False
    )
    show_signatures = models.BooleanField(_("print signature lines"), default=True)
    footer_text = models.CharField(_("footer text"), max_length=300, blank=True)
    custom_template = models.TextField(_("custom template"), blank=True, max_length=524288)
    custom_template_name = models.CharField(_("custom template file"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [text_length_check("invoicing_printsettings", "custom_template", 524288)]
        verbose_name = _("print settings")
        verbose_name_plural = _("print settings")

    def __str__(self) -> str:
        return str(capfirst(self._meta.verbose_name))


class NumberSeries(BoundedTextModel):
    """A range of 10-digit numbers. Each range ascends on its own; numbers never reset.

    `next_number` is taken only at issue, under a row lock (locks.lock_series), in the same
    transaction as the document: a rolled-back issue leaves no gap.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("documents"), max_length=10, choices=SeriesGroup.choices)
    name = models.CharField(_("name"), max_length=100)
    range_start = models.BigIntegerField(_("first number"))
    range_end = models.BigIntegerField(_("last number"))
    next_number = models.BigIntegerField(_("next number"))
    last_issue_date = models.DateField(_("date of the last issued document"), null=True, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        ordering = ["company_id", "group", "range_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "group"],
                condition=models.Q(is_default=True),
                name="series_one_default_per_group",
            ),
            models.CheckConstraint(
                condition=models.Q(range_start__gte=MIN_NUMBER)
                & models.Q(range_end__lte=MAX_NUMBER)
                & models.Q(range_start__lte=models.F("range_end"))
                & models.Q(next_number__gte=models.F("range_start"))
                & models.Q(next_number__lte=models.F("range_end") + 1),
                name="series_range_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "group", "is_default"], name="series_company_group")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.range_start:010d}–{self.range_end:010d})"

    @property
    def remaining(self) -> int:
        return max(self.range_end - self.next_number + 1, 0)


def pdf_upload_path(instance: models.Model, filename: str) -> str:
    company_id = getattr(instance, "company_id", 0)
    return f"documents/{company_id}/{filename}"


class Document(BoundedTextModel):
    """An invoice, proforma, credit note, debit note or art. 117 protocol."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    number_group = models.CharField(max_length=10, choices=SeriesGroup.choices, editable=False)
    number = models.CharField(_("number"), max_length=10, null=True, blank=True)
    series = models.ForeignKey(
        NumberSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    is_advance = models.BooleanField(_("advance payment invoice"), default=False)

    issue_date = models.DateField(_("issue date"))
    tax_event_date = models.DateField(_("tax event date"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    place_of_issue = models.CharField(_("place of issue"), max_length=100, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default="EUR"
    )
    exchange_rate = models.DecimalField(
        _("units of the currency per 1 EUR"), **RATE, null=True, blank=True
    )
    exchange_rate_date = models.DateField(null=True, blank=True)
    # Entered by the user on the draft: overrides the reference rate of the tax event date.
    manual_exchange_rate = models.DecimalField(
        _("exchange rate (entered)"), **RATE, null=True, blank=True
    )
    # Company bank accounts chosen to print (ids); empty: the company's default account.
    bank_account_ids = models.JSONField(default=list, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=DocumentLanguage.choices, default="bg"
    )

    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    # Recipient as printed (frozen at issue).
    recipient_kind = models.CharField(max_length=10, blank=True, choices=PartyKind.choices)
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    recipient_name_latin = models.CharField(max_length=200, blank=True)
    recipient_country = models.CharField(max_length=2, blank=True)
    recipient_city = models.CharField(max_length=100, blank=True)
    recipient_postcode = models.CharField(max_length=10, blank=True)
    recipient_address = models.CharField(max_length=300, blank=True)
    recipient_eik = models.CharField(max_length=13, blank=True)
    recipient_vat_number = models.CharField(max_length=20, blank=True)
    recipient_egn = models.CharField(max_length=10, blank=True)
    recipient_lnch = models.CharField(max_length=10, blank=True)
    recipient_mol = models.CharField(max_length=200, blank=True)
    recipient_email = models.CharField(max_length=254, blank=True)
    # Supplier (the company) as printed (frozen at issue).
    supplier_name = models.CharField(max_length=200, blank=True)
    supplier_name_latin = models.CharField(max_length=200, blank=True)
    supplier_country = models.CharField(max_length=2, blank=True)
    supplier_city = models.CharField(max_length=100, blank=True)
    supplier_postcode = models.CharField(max_length=10, blank=True)
    supplier_address = models.CharField(max_length=300, blank=True)
    supplier_eik = models.CharField(max_length=13, blank=True)
    supplier_vat_number = models.CharField(max_length=16, blank=True)
    supplier_mol = models.CharField(max_length=200, blank=True)
    supplier_bank_accounts = models.JSONField(default=list, blank=True)

    # Totals in the document currency (from totals.py only).
    document_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    lines_net = models.DecimalField(**AMOUNT, default=ZERO)
    document_discount = models.DecimalField(**AMOUNT, default=ZERO)
    base = models.DecimalField(_("tax base"), **AMOUNT, default=ZERO)
    vat = models.DecimalField(_("VAT"), **AMOUNT, default=ZERO)
    total = models.DecimalField(_("total"), **AMOUNT, default=ZERO)
    eur_base = models.DecimalField(**AMOUNT, default=ZERO)
    eur_vat = models.DecimalField(**AMOUNT, default=ZERO)
    eur_total = models.DecimalField(**AMOUNT, default=ZERO)
    # A note to a pre-2026 BGN invoice: the correction in the invoice's currency (BGN).
    original_currency = models.CharField(max_length=3, blank=True)
    original_base = models.DecimalField(**AMOUNT, null=True, blank=True)
    original_vat = models.DecimalField(**AMOUNT, null=True, blank=True)
    original_total = models.DecimalField(**AMOUNT, null=True, blank=True)
    # A note's total in the corrected invoice's currency: what the credit ceiling counts.
    correction_total = models.DecimalField(**AMOUNT, default=ZERO)
    amount_in_words = models.CharField(max_length=500, blank=True)
    # Payment state in the document currency, kept current by `actions.refresh_payment_status`
    # in the same transaction as every allocation, credit note offset and write-off (the
    # payments area calls it), and by issue, edit and void. See payment_state.py.
    paid_amount = models.DecimalField(_("paid"), **AMOUNT, default=ZERO)
    credited_amount = models.DecimalField(_("credited"), **AMOUNT, default=ZERO)
    written_off_amount = models.DecimalField(_("written off"), **AMOUNT, default=ZERO)
    outstanding_amount = models.DecimalField(_("outstanding"), **AMOUNT, default=ZERO)
    payment_status = models.CharField(
        _("payment status"),
        max_length=14,
        choices=PaymentStatus.choices,
        default=PaymentStatus.NOT_APPLICABLE,
    )
    rf_reference = models.CharField(_("RF reference"), max_length=25, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    terms = models.TextField(_("terms"), blank=True, max_length=2000)

    # Relations.
    corrected_document = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes_against",
        help_text="the invoice a credit/debit note corrects",
    )
    corrected_number = models.CharField(max_length=10, blank=True)
    corrected_issue_date = models.DateField(null=True, blank=True)
    note_reason = models.TextField(_("reason"), blank=True, max_length=1000)
    is_full_cancellation = models.BooleanField(default=False)
    proforma = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_invoices",
        help_text="the proforma this invoice was converted from",
    )
    converted_at = models.DateTimeField(null=True, blank=True, help_text="proforma: converted")
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Who and when.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_by_name = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="first delivered to the client")
    # First reached the client (e-mail sent, opened or downloaded in the portal, accepted):
    # from then on no silent edit (actions.edit_issued_document), see DeliveredVia.
    delivered_at = models.DateTimeField(_("reached the client"), null=True, blank=True)
    delivered_via = models.CharField(max_length=16, choices=DeliveredVia.choices, blank=True)
    # Edited after it reached the client (company setting): the PDF prints "corrected".
    corrected_after_delivery_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True, max_length=1000)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    annulment_protocol_needed = models.BooleanField(default=False)

    # Locks: the accounting export sets exported_at/export_status; see lifecycle.is_locked.
    exported_at = models.DateTimeField(null=True, blank=True)
    export_status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.NOT_EXPORTED, blank=True
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    lock_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    # The current PDF (older ones in DocumentPdf).
    pdf_file = models.FileField(upload_to=pdf_upload_path, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_version = models.PositiveIntegerField(default=0)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    # The bilateral annulment protocol of a voided document, when one is needed (kept 10 years).
    protocol_pdf_file = models.FileField(upload_to=pdf_upload_path, blank=True)
    protocol_pdf_sha256 = models.CharField(max_length=64, blank=True)

    # Lower-cased number, recipient name, ЕИК/VAT and line texts; written by the actions.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["company_id", "-issue_date", "-id"]
        constraints = [
            text_length_check("invoicing_document", "void_reason", 1000),
            text_length_check("invoicing_document", "note_reason", 1000),
            text_length_check("invoicing_document", "terms", 2000),
            text_length_check("invoicing_document", "notes", 2000),
            models.UniqueConstraint(
                fields=["company", "number_group", "number"],
                condition=models.Q(number__isnull=False),
                name="document_number_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number__isnull=True)
                | (~models.Q(status="draft") & models.Q(number__isnull=False)),
                name="document_number_only_when_issued",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-issue_date", "-id"], name="document_company_date"),
            models.Index(
                fields=["company", "kind", "status", "-issue_date", "-id"], name="document_list"
            ),
            models.Index(fields=["company", "party", "-issue_date", "-id"], name="document_party"),
            models.Index(fields=["company", "number"], name="document_number"),
            models.Index(fields=["company", "status", "due_date"], name="document_due"),
            models.Index(fields=["company", "corrected_document"], name="document_corrected"),
            models.Index(
                fields=["company", "payment_status", "-issue_date", "-id"],
                name="document_payment_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{formatting.choice_label(DocumentKind, self.kind)} {self.number or _('draft')}"

    @property
    def is_draft(self) -> bool:
        return self.status == DocumentStatus.DRAFT

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS

    def apply_payment_state(self) -> list[str]:
        """Set `payment_status` and `outstanding_amount` from the kind, status, total and the
        stored paid/credited/written-off amounts (no save). Returns the fields it sets."""
        state = payment_state(
            kind=self.kind,
            status=self.status,
            total=self.total,
            paid=self.paid_amount,
            credited=self.credited_amount,
            written_off=self.written_off_amount,
        )
        self.payment_status = state.status
        self.outstanding_amount = state.outstanding
        return ["payment_status", "outstanding_amount"]

    @property
    def payment_badge_class(self) -> str:
        return BADGE_CLASSES.get(self.payment_status, "text-bg-light border")

    @property
    def has_payment_status(self) -> bool:
        return self.payment_status not in ("", PaymentStatus.NOT_APPLICABLE)


class DocumentLine(BoundedTextModel):
    """One line: quantity × unit price − discount, with its VAT treatment frozen at issue."""

    text_error_key = "lines.{row.position}.{field}"  # as the line checks name line errors

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("description"), max_length=2000)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, default="pcs")
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=ZERO
    )
    vat_treatment = models.ForeignKey(VatTreatment, on_delete=models.PROTECT, related_name="+")
    # The treatment as it was when the line was last saved (frozen at issue).
    vat_code = models.CharField(max_length=40)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    legal_basis = models.TextField(blank=True, max_length=500)
    reverse_charge = models.BooleanField(default=False)
    nap_column = models.CharField(max_length=5, blank=True)
    gross = models.DecimalField(**AMOUNT, default=ZERO)
    discount = models.DecimalField(**AMOUNT, default=ZERO)
    net = models.DecimalField(**AMOUNT, default=ZERO)
    # For notes: the invoice line corrected. For a final invoice: the advance deducted.
    corrected_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    advance_document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="deductions"
    )
    # A note to a BGN invoice: the unit price and net in BGN as entered.
    original_unit_price = models.DecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True
    )
    original_net = models.DecimalField(**AMOUNT, null=True, blank=True)

    class Meta:
        constraints = [
            text_length_check("invoicing_documentline", "legal_basis", 500),
            text_length_check("invoicing_documentline", "description", 2000),
        ]
        verbose_name = _("document line")
        ordering = ["company_id", "document_id", "position", "id"]
        indexes = [
            models.Index(fields=["company", "document", "position"], name="document_line_doc"),
            models.Index(fields=["company", "advance_document"], name="document_line_advance"),
            models.Index(fields=["company", "corrected_line"], name="document_line_corrected"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description[:60]}"

    @property
    def is_deduction(self) -> bool:
        return self.advance_document_id is not None


class DocumentVatGroup(BoundedTextModel):
    """One row of the VAT breakdown (treatment + rate): what the ledgers and exports read."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="vat_groups")
    vat_treatment = models.ForeignKey(VatTreatment, on_delete=models.PROTECT, related_name="+")
    vat_code = models.CharField(max_length=40)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    legal_basis = models.TextField(blank=True, max_length=500)
    reverse_charge = models.BooleanField(default=False)
    nap_column = models.CharField(max_length=5, blank=True)
    lines_net = models.DecimalField(**AMOUNT)
    document_discount = models.DecimalField(**AMOUNT, default=ZERO)
    base = models.DecimalField(**AMOUNT)
    vat = models.DecimalField(**AMOUNT)
    total = models.DecimalField(**AMOUNT)
    eur_base = models.DecimalField(**AMOUNT)
    eur_vat = models.DecimalField(**AMOUNT)
    eur_total = models.DecimalField(**AMOUNT)

    class Meta:
        constraints = [text_length_check("invoicing_documentvatgroup", "legal_basis", 500)]
        verbose_name = _("VAT breakdown row")
        ordering = ["company_id", "document_id", "id"]
        indexes = [models.Index(fields=["company", "document"], name="document_vat_group_doc")]

    def __str__(self) -> str:
        return f"{self.vat_code} {formatting.amount(self.base)} / {formatting.amount(self.vat)}"


class DocumentPdf(BoundedTextModel):
    """A PDF that was the document's current print before an edit. Kept 10 years (never deleted)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="pdf_history")
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=pdf_upload_path)
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("earlier PDF of a document")
        ordering = ["company_id", "document_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="document_pdf_version_unique"
            )
        ]
        indexes = [models.Index(fields=["company", "document"], name="document_pdf_doc")]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.version}"


class RecurringSchedule(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class RecurringInvoice(BoundedTextModel):
    """A template that makes one invoice per period (schedule + day of month, start … end).

    `next_period_start` is the next period to invoice; a run takes it under a row lock, writes a
    `RecurringRun` (unique per template and period: a second run of the same period fails on
    the constraint and changes nothing) and moves it one period on.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    # Lines as the draft actions take them: description, quantity, unit, unit_price,
    # discount_percent, vat_treatment (code), product_id.
    lines = models.JSONField(_("lines"), default=list)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default="EUR"
    )
    language = models.CharField(_("language"), max_length=5, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod.choices,
        default=PaymentMethod.BANK_TRANSFER,
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    schedule = models.CharField(
        _("schedule"),
        max_length=10,
        choices=RecurringSchedule.choices,
        default=RecurringSchedule.MONTHLY,
    )
    day_of_month = models.PositiveSmallIntegerField(_("day of the month"), default=1)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    next_period_start = models.DateField(_("next period"), null=True, blank=True)
    auto_issue = models.BooleanField(_("issue automatically"), default=True)
    auto_send = models.BooleanField(_("send automatically"), default=False)
    active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("recurring invoice")
        verbose_name_plural = _("recurring invoices")
        ordering = ["company_id", "name", "id"]
        constraints = [
            text_length_check("invoicing_recurringinvoice", "notes", 2000),
            models.CheckConstraint(
                condition=models.Q(day_of_month__gte=1) & models.Q(day_of_month__lte=31),
                name="recurring_day_of_month_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "name"], name="recurring_company_name"),
            models.Index(fields=["active", "next_period_start"], name="recurring_due"),
        ]

    def __str__(self) -> str:
        return self.name


class RecurringRun(BoundedTextModel):
    """One invoiced period of a recurring invoice. The unique (template, period_start) is what
    makes a second run of the same period harmless."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(RecurringInvoice, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField(_("period"))
    period_end = models.DateField(_("period end"))
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(_("problem"), blank=True, max_length=2000)
    sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recurring invoice run")
        ordering = ["company_id", "template_id", "-period_start"]
        constraints = [
            text_length_check("invoicing_recurringrun", "error", 2000),
            models.UniqueConstraint(
                fields=["template", "period_start"], name="recurring_run_once_per_period"
            ),
        ]
        indexes = [models.Index(fields=["company", "template"], name="recurring_run_template")]

    def __str__(self) -> str:
        return f"{self.template_id} {formatting.date(self.period_start)}"
