"""Every write to VAT treatments and products."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.catalog.inputs import ProductInput, VatTreatmentInput
from xfinances.catalog.models import Product, VatTreatment
from xfinances.catalog.vat_defaults import DEFAULT_VAT_TREATMENTS
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.inputs import Changes
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can

PRODUCT_FIELDS = ProductInput.field_names()
VAT_TREATMENT_FIELDS = VatTreatmentInput.field_names()


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


def _check_legal_basis(treatment: VatTreatment) -> None:
    if treatment.needs_legal_basis and not treatment.legal_basis.strip():
        message = _(
            "A zero-rate, exempt or reverse-charge treatment must print its legal basis, "
            "e.g. “чл. 28 от ЗДДС”."
        )
        raise InvalidInput({"legal_basis": [message]})


@transaction.atomic
def create_vat_treatment(actor: Actor, company: Company, data: VatTreatmentInput) -> VatTreatment:
    ensure_can(actor, company, "settings.change")
    if VatTreatment.objects.filter(company=company, code=data.code).exists():
        raise Conflict(_("A VAT treatment with this code already exists."), field="code")
    treatment = VatTreatment(company=company, **asdict(data))
    _check_legal_basis(treatment)
    treatment.save()
    audit.record_create(actor, company, "create_vat_treatment", treatment)
    return treatment


@transaction.atomic
def update_vat_treatment(
    actor: Actor, treatment: VatTreatment, changes: Changes[VatTreatmentInput]
) -> VatTreatment:
    """Change a treatment (owners only). Documents already issued keep their own copy."""
    company = treatment.company
    ensure_can(actor, company, "settings.change")
    if (
        "code" in changes
        and VatTreatment.objects.filter(company=company, code=changes.values.code)
        .exclude(pk=treatment.pk)
        .exists()
    ):
        raise Conflict(_("A VAT treatment with this code already exists."), field="code")
    treatment = VatTreatment.objects.select_for_update().get(pk=treatment.pk, company=company)
    before = audit.snapshot(treatment)
    for key, value in changes.items():
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


def _treatment_for(
    company: Company, value: object, current: Product | None, errors: ErrorCollector
) -> VatTreatment | None:
    """The product's treatment: one of the company's, active unless the product keeps it."""
    treatment = _vat_treatment_of(company, value)
    if treatment is None:
        errors.add("vat_treatment", _("Choose one of the company's VAT treatments."))
    elif not treatment.is_active and (current is None or current.vat_treatment_id != treatment.pk):
        errors.add("vat_treatment", _("This VAT treatment is no longer active."))
    return treatment


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
def create_product(actor: Actor, company: Company, data: ProductInput) -> Product:
    """A new product or service. `vat_treatment` is a VatTreatment, its id or its code."""
    ensure_can(actor, company, "catalog.change")
    errors = InvalidInput.collect()
    treatment = _treatment_for(company, data.vat_treatment, None, errors)
    errors.raise_if_any()
    _check_code_free(company, data.code)
    product = Product(company=company, **{**asdict(data), "vat_treatment": treatment})
    product.search_text = product.build_search_text()
    product.save()
    audit.record_create(actor, company, "create_product", product)
    return product


@transaction.atomic
def update_product(actor: Actor, product: Product, changes: Changes[ProductInput]) -> Product:
    """Change the given fields of a product. Issued documents keep their own copies."""
    company = product.company
    ensure_can(actor, company, "catalog.change")
    product = Product.objects.select_for_update().get(pk=product.pk, company=company)
    values = dict(changes.items())
    if "vat_treatment" in values:
        errors = InvalidInput.collect()
        values["vat_treatment"] = _treatment_for(company, values["vat_treatment"], product, errors)
        errors.raise_if_any()
    if "code" in values:
        _check_code_free(company, values["code"], exclude=product.pk)
    before = audit.snapshot(product)
    for key, value in values.items():
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
