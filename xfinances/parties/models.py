"""Clients and suppliers (parties), their contacts, bank accounts, and uploaded import files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company, Currency
from xfinances.core.text_limits import BoundedTextModel, text_length_check


class PartyKind(models.TextChoices):
    COMPANY = "company", _("Legal entity")
    PERSON = "person", _("Individual")


class DocumentLanguage(models.TextChoices):
    COMPANY_DEFAULT = "", _("Company default")
    BULGARIAN = "bg", _("Bulgarian")
    ENGLISH = "en", _("English")
    BILINGUAL = "bg-en", _("Bilingual")


class Party(BoundedTextModel):
    """A client, a supplier, or both. Archived, never deleted: documents refer to it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(
        _("kind"), max_length=10, choices=PartyKind.choices, default=PartyKind.COMPANY
    )
    name = models.CharField(_("name"), max_length=200)
    name_latin = models.CharField(_("name in Latin"), max_length=200, blank=True)
    eik = models.CharField(_("ЕИК"), max_length=13, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    egn = models.CharField(_("ЕГН"), max_length=10, blank=True)
    lnch = models.CharField(_("ЛНЧ"), max_length=10, blank=True)
    country = models.CharField(_("country"), max_length=2, default="BG")
    city = models.CharField(_("city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    mol = models.CharField(_("МОЛ (responsible person)"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail for documents"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_client = models.BooleanField(_("client"), default=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), null=True, blank=True
    )
    language = models.CharField(
        _("document language"),
        max_length=5,
        choices=DocumentLanguage.choices,
        default=DocumentLanguage.COMPANY_DEFAULT,
        blank=True,
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible employee"),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # Lower-cased name, Latin name, ЕИК, VAT, IBANs, e-mails and tags: case-insensitive search
    # for Cyrillic on SQLite too. Written by the actions only.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["company_id", "name", "id"]
        constraints = [
            text_length_check("parties_party", "notes", 2000),
            models.UniqueConstraint(
                fields=["company", "eik"],
                name="party_eik_unique",
                condition=~models.Q(eik=""),
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "is_archived", "name", "id"], name="party_company_name"
            ),
            models.Index(fields=["company", "search_text"], name="party_company_search"),
            models.Index(fields=["company", "vat_number"], name="party_company_vat"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        """The identifier printed on documents: VAT number, else ЕИК, else ЕГН/ЛНЧ."""
        return self.vat_number or self.eik or self.egn or self.lnch

    @property
    def primary_iban(self) -> str:
        account = next((a for a in self.bank_accounts.all() if a.is_primary), None) or next(
            iter(self.bank_accounts.all()), None
        )
        return account.iban if account else ""


class PartyContact(BoundedTextModel):
    """A person at the party, and which mail goes to them."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    receives_invoices = models.BooleanField(_("receives invoices"), default=False)
    receives_reminders = models.BooleanField(_("receives payment reminders"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["company_id", "party_id", "name", "id"]
        indexes = [models.Index(fields=["company", "party"], name="party_contact_party")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class PartyBankAccount(BoundedTextModel):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="bank_accounts")
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, blank=True, default=""
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    # When the IBAN was first given (kept when the party's accounts are saved again); empty for
    # accounts older than this field. A supplier's recently added IBAN is flagged before a
    # payment file pays it (banking, supplier payment files).
    added_at = models.DateTimeField(_("added"), null=True, blank=True, default=timezone.now)

    class Meta:
        verbose_name = _("bank account of a party")
        ordering = ["company_id", "party_id", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["party", "iban"], name="party_bank_account_unique")
        ]
        indexes = [models.Index(fields=["company", "iban"], name="party_bank_company_iban")]

    def __str__(self) -> str:
        return self.iban


class PartyImport(BoundedTextModel):
    """An uploaded CSV/XLSX of parties: kept so preview → confirm survives a restart."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        APPLIED = "applied", _("imported")
        CANCELLED = "cancelled", _("cancelled")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_count = models.PositiveIntegerField(_("parties created"), default=0)
    skipped_count = models.PositiveIntegerField(_("rows skipped"), default=0)
    skipped_rows = models.JSONField(default=list, blank=True, help_text="[{line, errors}]")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("party import")
        ordering = ["company_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="party_import_company")]

    def __str__(self) -> str:
        return self.filename
