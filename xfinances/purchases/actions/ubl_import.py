"""Registering a supplier document from a UBL XML: staging the upload, the supplier read from
it, and the document, supplier and attachments in one transaction."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.parties.actions import create_party
from xfinances.parties.inputs import PartyInput
from xfinances.parties.models import Party
from xfinances.purchases import queries
from xfinances.purchases.actions.invoices import register_supplier_invoice
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import (
    SupplierInvoice,
    SupplierInvoiceImport,
)
from xfinances.purchases.ubl import UblResult, UblSupplier, read_ubl

# --- UBL import --------------------------------------------------------------------------------


@transaction.atomic
def stage_ubl_import(
    actor: Actor, company: Company, filename: str, content: bytes
) -> tuple[SupplierInvoiceImport | None, UblResult]:
    """Read the XML; when it is usable keep it until the user confirms the filled form."""
    ensure_can(actor, company, "purchases.change")
    result = read_ubl(content)
    if result.document is None:
        return None, result
    document = result.document
    if (
        company.vat_number
        and document.buyer_vat_number
        and (document.buyer_vat_number.upper() != company.vat_number.upper())
    ):
        result.warnings.append(
            _("The buyer on the document is %(vat)s, not this company.")
            % {"vat": document.buyer_vat_number}
        )
    staged = SupplierInvoiceImport.objects.create(
        company=company,
        uploaded_by=actor.user,
        filename=os.path.basename(filename or "invoice.xml")[:200],
        content=content,
    )
    return staged, result


@transaction.atomic
def create_supplier_from_ubl(actor: Actor, company: Company, supplier: UblSupplier) -> Party:
    """A new supplier party from the UBL supplier data (the user asked for it). The XML's text
    came from outside: cut to the party's columns, never refused for its length."""

    def fit(name: str, value: str) -> str:
        return value[: limit_of(Party, name)]

    data: dict[str, Any] = {
        "name": fit("name", supplier.name),
        "is_client": False,
        "is_supplier": True,
        "country": supplier.country or "BG",
        "city": fit("city", supplier.city),
        "postcode": fit("postcode", supplier.postcode),
        "address": fit("address", supplier.address),
    }
    if supplier.eik:
        data["eik"] = supplier.eik
    if supplier.vat_number:
        data["vat_number"] = supplier.vat_number
    if supplier.email and len(supplier.email) <= limit_of(Party, "email"):  # a cut one is wrong
        data["email"] = supplier.email
    if supplier.iban:
        data["iban"] = supplier.iban
    return create_party(actor, company, PartyInput.read(data))


@transaction.atomic
def register_from_ubl(
    actor: Actor,
    company: Company,
    data: SupplierInvoiceInput,
    *,
    import_id: int,
    create_supplier: bool = False,
    attachments: Iterable[tuple[str, bytes]] = (),
) -> SupplierInvoice:
    """Register the document of a staged UBL import in one transaction: the supplier read from
    the XML (when the user asked to create it), the invoice and its attachments. A refused
    invoice leaves no new supplier behind."""
    ensure_can(actor, company, "purchases.change")
    staged = queries.pending_import(company, import_id)
    if staged is None:
        raise InvalidInput({"import_id": [_("The uploaded XML is gone: upload it again.")]})
    if create_supplier:
        document = read_ubl(bytes(staged.content)).document
        if document is None:
            raise InvalidInput({"import_id": [_("The uploaded XML is gone: upload it again.")]})
        supplier = create_supplier_from_ubl(actor, company, document.supplier)
        data = dataclasses.replace(data, supplier=supplier)
    return register_supplier_invoice(
        actor, company, data, attachments=attachments, import_id=staged.pk
    )
