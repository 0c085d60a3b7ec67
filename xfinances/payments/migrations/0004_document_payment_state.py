"""Fill the documents' stored payment state (invoicing 0005) from the settlement rows.

Frozen logic (a copy of the rules of `invoicing/payment_state.py` as of this migration; never
import live code into a migration)."""

from decimal import Decimal

from django.db import migrations

ZERO = Decimal("0.00")


def _state(kind, status, total, paid, credited, written_off):
    if status != "issued" or kind not in ("invoice", "debit_note", "credit_note"):
        return "not_applicable", ZERO
    settled = paid + credited + written_off
    outstanding = total - settled
    if kind == "credit_note":
        return "not_applicable", outstanding
    if outstanding < 0:
        return "overpaid", outstanding
    if outstanding == 0:
        return ("written_off" if written_off > 0 else "paid"), outstanding
    if settled == 0:
        return "unpaid", outstanding
    return "partly_paid", outstanding


def fill_from_settlements(apps, schema_editor):
    Document = apps.get_model("invoicing", "Document")
    DocumentSettlement = apps.get_model("payments", "DocumentSettlement")
    rows = DocumentSettlement.objects.select_related("document").order_by("pk")
    changed = []
    for row in rows.iterator(chunk_size=2000):
        document = row.document
        status, outstanding = _state(
            document.kind, document.status, document.total, row.paid, row.credited, row.written_off
        )
        document.paid_amount = row.paid
        document.credited_amount = row.credited
        document.written_off_amount = row.written_off
        document.payment_status = status
        document.outstanding_amount = outstanding
        changed.append(document)
        if len(changed) >= 2000:
            Document.objects.bulk_update(changed, FIELDS)
            changed = []
    if changed:
        Document.objects.bulk_update(changed, FIELDS)


FIELDS = [
    "paid_amount",
    "credited_amount",
    "written_off_amount",
    "payment_status",
    "outstanding_amount",
]


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_allocation_supplier_invoice"),
        ("invoicing", "0005_document_payment_state"),
    ]

    operations = [migrations.RunPython(fill_from_settlements, migrations.RunPython.noop)]
