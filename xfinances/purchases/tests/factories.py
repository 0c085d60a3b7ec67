"""Sample supplier invoices for tests (and for the tenant isolation walker)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.parties.models import Party
from xfinances.purchases import actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import PaymentBatch, SupplierInvoice

SUPPLIER_EIKS = iter(["204801524", "175074752", "121759222", "205711599", "831826092"] * 1000)


def make_supplier(company: Company, name: str = "Офис Снаб ЕООД", **extra: Any) -> Party:
    eik = extra.pop("eik", None) or "204801524"
    found = Party.objects.filter(company=company, eik=eik).first()
    if found is not None:
        return found
    return Party.objects.create(
        company=company,
        name=name,
        eik=eik,
        vat_number=f"BG{eik}",
        is_client=False,
        is_supplier=True,
        **extra,
    )


def make_invoice(company: Company, number: str = "0000001001", **data: Any) -> SupplierInvoice:
    supplier = data.pop("supplier", None) or make_supplier(company)
    values: dict[str, Any] = {
        "supplier": supplier,
        "supplier_number": number,
        "issue_date": dt.date(2026, 3, 2),
        "due_date": dt.date(2026, 3, 16),
        "currency": "EUR",
        "rows": [{"vat_rate": "20", "base": "100.00", "vat": "20.00"}],
    }
    values.update(data)
    return actions.register_supplier_invoice(
        Actor.system(Source.CLI), company, SupplierInvoiceInput.read(values)
    )


def isolation_objects(company: Any) -> dict[str, Any]:
    invoice = make_invoice(company, number=f"ISO-{company.pk}")
    attachment = actions.add_attachment(
        Actor.system(Source.CLI), invoice, "scan.pdf", b"%PDF-1.4\n%%EOF\n"
    )
    batch = PaymentBatch.objects.create(company=company)
    return {
        "supplier_invoice_id": invoice.pk,
        "supplier_attachment_id": attachment.pk,
        "payment_batch_id": batch.pk,
    }
