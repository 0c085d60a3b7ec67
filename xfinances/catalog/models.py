"""VAT treatments, units and products/services of a company."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company, Currency
from xfinances.core.text_limits import BoundedTextModel, text_length_check


class NapColumn(models.TextChoices):
    """PRODAGBI (sales ledger) columns that receive a tax base (accounting-exports.md)."""

    BASE_20 = "02-11", format_lazy("02-11 · {}", _("base at 20%"))
    BASE_9 = "02-13", format_lazy("02-13 · {}", _("base at 9%"))
    EXPORT = "02-14", format_lazy("02-14 · {}", _("base at 0%, export (chapter 3)"))
    EU_GOODS = "02-15", format_lazy("02-15 · {}", _("base at 0%, intra-EU supply (ВОД)"))
    ZERO_OTHER = "02-16", format_lazy("02-16 · {}", _("base at 0%, чл. 140, 146(1), 173"))
    EU_SERVICES = "02-17", format_lazy("02-17 · {}", _("services under чл. 21, ал. 2"))
    ART_69 = "02-18", format_lazy("02-18 · {}", _("base under чл. 69, ал. 2"))
    EXEMPT = "02-19", format_lazy("02-19 · {}", _("exempt supplies"))
    TRIANGULAR = "02-25", format_lazy("02-25 · {}", _("intermediary in triangular operations"))


class VatTreatment(BoundedTextModel):
    """How a line is taxed: rate (None = no VAT charged) and the legal basis printed for it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="vat_treatments")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Bulgarian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    rate = models.DecimalField(
        _("VAT rate %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty when no VAT is charged (reverse charge, exempt, not registered)."),
    )
    legal_basis = models.TextField(
        _("legal basis"),
        blank=True,
        help_text=_("Printed on the document, e.g. “чл. 28 от ЗДДС”. Required for 0% and no-VAT."),
        max_length=500,
    )
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)
    nap_column = models.CharField(
        _("VAT ledger column"), max_length=5, choices=NapColumn.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("VAT treatment")
        verbose_name_plural = _("VAT treatments")
        ordering = ["company_id", "sort_order", "id"]
        constraints = [
            text_length_check("catalog_vattreatment", "legal_basis", 500),
            models.UniqueConstraint(fields=["company", "code"], name="vat_treatment_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_rate(self) -> Decimal:
        """The rate used in totals: 0 when no VAT is charged."""
        return self.rate if self.rate is not None else Decimal("0.00")

    @property
    def needs_legal_basis(self) -> bool:
        return self.reverse_charge or self.rate is None or self.rate == 0


class Unit(models.TextChoices):
    """Units of measure. The stored value is a stable code; `unit_print_name` gives the
    abbreviation printed on documents in Bulgarian or English."""

    PIECE = "pcs", _("pcs")
    SERVICE = "service", _("service")
    HOUR = "h", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    KILOGRAM = "kg", _("kg")
    GRAM = "g", _("g")
    TONNE = "t", _("tonne")
    METRE = "m", _("m")
    SQUARE_METRE = "m2", _("m²")
    CUBIC_METRE = "m3", _("m³")
    LITRE = "l", _("l")
    KILOMETRE = "km", _("km")
    SET = "set", _("set")
    PACK = "pack", _("pack")


UNIT_PRINT_NAMES: dict[str, tuple[str, str]] = {
    "pcs": ("бр.", "pcs"),
    "service": ("услуга", "service"),
    "h": ("ч", "h"),
    "day": ("ден", "day"),
    "month": ("месец", "month"),
    "kg": ("кг", "kg"),
    "g": ("г", "g"),
    "t": ("т", "t"),
    "m": ("м", "m"),
    "m2": ("м²", "m²"),
    "m3": ("м³", "m³"),
    "l": ("л", "l"),
    "km": ("км", "km"),
    "set": ("к-т", "set"),
    "pack": ("оп.", "pack"),
}


def unit_print_name(code: str, language: str = "bg") -> str:
    """The unit as printed on a document: "бр." / "pcs". Unknown codes print as given."""
    names = UNIT_PRINT_NAMES.get(code)
    if names is None:
        return code
    return names[1] if language == "en" else names[0]


class ProductKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


class Product(BoundedTextModel):
    """A product or service offered for sale, with its default price and VAT treatment."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    code = models.CharField(_("code / SKU"), max_length=50, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.PRODUCT
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    unit_price = models.DecimalField(
        _("unit price without VAT"),
        max_digits=16,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR
    )
    vat_treatment = models.ForeignKey(
        VatTreatment,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("VAT treatment"),
    )
    description = models.TextField(_("description"), blank=True, max_length=2000)
    is_active = models.BooleanField(_("active"), default=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product or service")
        verbose_name_plural = _("products and services")
        ordering = ["company_id", "name", "id"]
        constraints = [
            text_length_check("catalog_product", "description", 2000),
            models.UniqueConstraint(
                fields=["company", "code"], name="product_code_unique", condition=~models.Q(code="")
            ),
        ]
        indexes = [
            models.Index(fields=["company", "is_active", "name"], name="product_company_active"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    def build_search_text(self) -> str:
        return " ".join(part for part in (self.name, self.name_en, self.code) if part).casefold()
