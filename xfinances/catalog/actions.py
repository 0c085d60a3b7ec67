"""Every write to VAT treatments and products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from xfinances.catalog.models import NapColumn, Product, ProductKind, Unit, VatTreatment
from xfinances.catalog.vat_defaults import DEFAULT_VAT_TREATMENTS
from xfinances.core import audit
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.models import Company, Currency
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.permissions import ensure_can

PRODUCT_FIELDS = (
    "name",
    "name_en",
    "code",
    "kind",
    "unit",
    "unit_price",
    "currency",
    "vat_treatment",
    "description",
)
VAT_TREATMENT_FIELDS = (
    "code",
    "name",
    "name_en",
    "rate",
    "legal_basis",
    "reverse_charge",
    "nap_column",
    "is_active",
    "sort_order",
)
MAX_UNIT_PRICE = Decimal("1000000000000")


# --- VAT treatments ----------------------------------------------------------------------------


@transaction.atomic
def seed_vat_treatments(actor: Actor, company: Company) -> list[VatTreatment]:
    """Create the default VAT treatments the company lacks (by code); return the created ones.

    Idempotent: codes that exist, even edited or deactivated, are left alone. Seeding is a
    system step (a new company, a migration), so it asks for no permission.
    """
    existing = set(VatTreatment.objects.filter(company=company).values_list("code", flat=True))
    created = []
    for default in DEFAULT_VAT_TREATMENTS:
        if default["code"] in existing:
            continue
        treatment = VatTreatment.objects.create(company=company, **default)
        audit.record_create(actor, company, "seed_vat_treatments", treatment)
        created.append(treatment)
    return created


def ensure_company_catalog(actor: Actor, company: Company) -> None:
    """Everything a company needs before it can sell: call it when a company is created."""
    seed_vat_treatments(actor, company)


def _clean_vat_treatment(
    company: Company, data: dict[str, Any], errors: ErrorCollector
) -> dict[str, Any]:
    clean = dict(data)
    if "code" in clean:
        clean["code"] = slugify(clean["code"] or "")[:40]
        if not clean["code"]:
            errors.add("code", _("Enter a short code of Latin letters, digits or dashes."))
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            errors.add("name", _("Enter the name."))
    for text in ("name_en", "legal_basis"):
        if text in clean:
            clean[text] = (clean[text] or "").strip()
    if "rate" in clean:
        if clean["rate"] in (None, ""):
            clean["rate"] = None
        else:
            try:
                rate = to_decimal(clean["rate"])
            except MoneyError:
                errors.add("rate", _("Enter the rate as a number, e.g. 20."))
            else:
                if not Decimal(0) <= rate <= Decimal(100) or rate != rate.quantize(Decimal("0.01")):
                    errors.add(
                        "rate",
                        _("The rate is a percent between 0 and 100 with at most two decimals."),
                    )
                else:
                    rate = rate.quantize(Decimal("0.01"))
                clean["rate"] = rate
    if "nap_column" in clean:
        clean["nap_column"] = clean["nap_column"] or ""
        if clean["nap_column"] and clean["nap_column"] not in NapColumn.values:
            errors.add("nap_column", _("Unknown VAT ledger column."))
    if "sort_order" in clean:
        try:
            clean["sort_order"] = int(clean["sort_order"])
            if not 0 <= clean["sort_order"] <= 32767:
                raise ValueError
        except (TypeError, ValueError):
            errors.add("sort_order", _("Enter a whole number between 0 and 32767."))
    for flag in ("reverse_charge", "is_active"):
        if flag in clean:
            clean[flag] = bool(clean[flag])
    return clean


def _check_legal_basis(treatment: VatTreatment) -> None:
    if treatment.needs_legal_basis and not treatment.legal_basis.strip():
        message = _(
            "A zero-rate, exempt or reverse-charge treatment must print its legal basis, "
            "e.g. “чл. 28 от ЗДДС”."
        )
        raise InvalidInput({"legal_basis": [message]})


@transaction.atomic
def create_vat_treatment(actor: Actor, company: Company, **data: Any) -> VatTreatment:
    ensure_can(actor, company, "settings.change")
    ensure_known_fields(data, VAT_TREATMENT_FIELDS, "VAT treatment")
    errors = InvalidInput.collect()
    data.setdefault("code", "")
    data.setdefault("name", "")
    clean = _clean_vat_treatment(company, data, errors)
    errors.raise_if_any()
    if VatTreatment.objects.filter(company=company, code=clean["code"]).exists():
        raise Conflict(_("A VAT treatment with this code already exists."), field="code")
    treatment = VatTreatment(company=company, **clean)
    _check_legal_basis(treatment)
    treatment.save()
    audit.record_create(actor, company, "create_vat_treatment", treatment)
    return treatment


@transaction.atomic
def update_vat_treatment(actor: Actor, treatment: VatTreatment, **data: Any) -> VatTreatment:
    """Change a treatment (owners only). Documents already issued keep their own copy."""
    company = treatment.company
    ensure_can(actor, company, "settings.change")
    ensure_known_fields(data, VAT_TREATMENT_FIELDS, "VAT treatment")
    errors = InvalidInput.collect()
    clean = _clean_vat_treatment(company, data, errors)
    errors.raise_if_any()
    if (
        "code" in clean
        and VatTreatment.objects.filter(company=company, code=clean["code"])
        .exclude(pk=treatment.pk)
        .exists()
    ):
        raise Conflict(_("A VAT treatment with this code already exists."), field="code")
    treatment = VatTreatment.objects.select_for_update().get(pk=treatment.pk, company=company)
    before = audit.snapshot(treatment)
    for key, value in clean.items():
        setattr(treatment, key, value)
    _check_legal_basis(treatment)
    treatment.save()
    audit.record_update(actor, company, "update_vat_treatment", treatment, before)
    return treatment


# --- Products ----------------------------------------------------------------------------------


def _vat_treatment_of(company: Company, value: Any) -> VatTreatment | None:
    """A treatment of `company` from an instance, an int id or a code (str); None when it is
    not one of the company's."""
    if isinstance(value, VatTreatment):
        return value if value.company_id == company.pk else None
    if isinstance(value, int) and not isinstance(value, bool):
        return VatTreatment.objects.filter(company=company, pk=value).first()
    if isinstance(value, str) and value.strip():
        return VatTreatment.objects.filter(company=company, code=value.strip()).first()
    return None


def _clean_product(
    company: Company, data: dict[str, Any], errors: ErrorCollector, current: Product | None
) -> dict[str, Any]:
    clean = dict(data)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            errors.add("name", _("Enter the name of the product or service."))
        elif len(clean["name"]) > 200:
            errors.add("name", _("At most 200 characters."))
    if "name_en" in clean:
        clean["name_en"] = (clean["name_en"] or "").strip()
        if len(clean["name_en"]) > 200:
            errors.add("name_en", _("At most 200 characters."))
    if "code" in clean:
        clean["code"] = (clean["code"] or "").strip()
        if len(clean["code"]) > 50:
            errors.add("code", _("At most 50 characters."))
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
    if "kind" in clean and clean["kind"] not in ProductKind.values:
        errors.add("kind", _("Choose product or service."))
    if "unit" in clean and clean["unit"] not in Unit.values:
        errors.add("unit", _("Choose a unit from the list."))
    if "currency" in clean:
        clean["currency"] = (clean["currency"] or "").strip().upper()
        if clean["currency"] not in Currency.values:
            errors.add("currency", _("Unknown currency."))
    if "unit_price" in clean:
        try:
            price = to_decimal("0" if clean["unit_price"] in (None, "") else clean["unit_price"])
        except MoneyError:
            errors.add("unit_price", _("Enter the price as a number, e.g. 12.50."))
        else:
            if price < 0:
                errors.add("unit_price", _("The price must not be negative."))
            elif price >= MAX_UNIT_PRICE:
                errors.add("unit_price", _("The price is too large."))
            elif price != price.quantize(Decimal("0.0001")):
                errors.add("unit_price", _("Use at most four decimals."))
            else:
                price = price.quantize(
                    Decimal("0.0001")
                )  # the stored form: audit sees no false change
            clean["unit_price"] = price
    if "vat_treatment" in clean:
        treatment = _vat_treatment_of(company, clean["vat_treatment"])
        if treatment is None:
            errors.add("vat_treatment", _("Choose one of the company's VAT treatments."))
        elif not treatment.is_active and (
            current is None or current.vat_treatment_id != treatment.pk
        ):
            errors.add("vat_treatment", _("This VAT treatment is no longer active."))
        clean["vat_treatment"] = treatment
    return clean


def _check_code_free(company: Company, code: str, exclude: int | None = None) -> None:
    if not code:
        return
    taken = Product.objects.filter(company=company, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    other = taken.first()
    if other is not None:
        raise Conflict(
            _("The code %(code)s is already used by “%(name)s”.")
            % {"code": code, "name": other.name},
            link=f"/c/{company.eik}/catalog/{other.pk}/edit/",
            field="code",
        )


@transaction.atomic
def create_product(actor: Actor, company: Company, **data: Any) -> Product:
    """A new product or service. `vat_treatment` is a VatTreatment, its id or its code."""
    ensure_can(actor, company, "catalog.change")
    ensure_known_fields(data, PRODUCT_FIELDS, "product")
    errors = InvalidInput.collect()
    data.setdefault("name", "")
    data.setdefault("vat_treatment", "standard")
    clean = _clean_product(company, data, errors, None)
    errors.raise_if_any()
    _check_code_free(company, clean.get("code", ""))
    product = Product(company=company, **clean)
    product.search_text = product.build_search_text()
    product.save()
    audit.record_create(actor, company, "create_product", product)
    return product


@transaction.atomic
def update_product(actor: Actor, product: Product, **data: Any) -> Product:
    """Change the given fields of a product. Issued documents keep their own copies."""
    company = product.company
    ensure_can(actor, company, "catalog.change")
    ensure_known_fields(data, PRODUCT_FIELDS, "product")
    product = Product.objects.select_for_update().get(pk=product.pk, company=company)
    errors = InvalidInput.collect()
    clean = _clean_product(company, data, errors, product)
    errors.raise_if_any()
    if "code" in clean:
        _check_code_free(company, clean["code"], exclude=product.pk)
    before = audit.snapshot(product)
    for key, value in clean.items():
        setattr(product, key, value)
    product.search_text = product.build_search_text()
    product.save()
    audit.record_update(actor, company, "update_product", product, before)
    return product


def _set_active(actor: Actor, product: Product, active: bool, action: str) -> Product:
    company = product.company
    ensure_can(actor, company, "catalog.change")
    product = Product.objects.select_for_update().get(pk=product.pk, company=company)
    if product.is_active == active:
        return product
    before = audit.snapshot(product)
    product.is_active = active
    product.save(update_fields=["is_active"])
    audit.record_update(actor, company, action, product, before)
    return product


@transaction.atomic
def archive_product(actor: Actor, product: Product) -> Product:
    """Hide a product from new documents; documents that use it keep it. Never deleted."""
    return _set_active(actor, product, False, "archive_product")


@transaction.atomic
def restore_product(actor: Actor, product: Product) -> Product:
    return _set_active(actor, product, True, "restore_product")


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the VAT treatments of the law (rates and legal bases)."""
    ensure_company_catalog(event.actor, event.company)
