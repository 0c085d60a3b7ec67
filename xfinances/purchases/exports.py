"""CSV and XLSX of a list of supplier invoices: one set of rows, two renderings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from xfinances.core.spreadsheets import safe_row
from xfinances.purchases.models import SupplierInvoice


def headers() -> list[str]:
    return [
        _("Kind"),
        _("Supplier"),
        _("ЕИК / VAT number"),
        _("Supplier's number"),
        _("Date of issue"),
        _("Tax event date"),
        _("Due date"),
        _("Currency"),
        _("Tax base"),
        _("VAT"),
        _("Total"),
        _("Total in EUR"),
        _("Paid"),
        _("Remaining"),
        _("Payment"),
        _("Approval"),
        _("Purchase category"),
        _("Responsible employee"),
        _("Status"),
    ]


def rows(invoices: Iterable[SupplierInvoice]) -> list[list[Any]]:
    """Amounts signed as in the purchase ledger (credit notes negative)."""
    result = []
    for invoice in invoices:
        sign = invoice.sign
        result.append(
            [
                invoice.get_kind_display(),
                invoice.supplier.name,
                invoice.supplier.identifier,
                invoice.supplier_number,
                invoice.issue_date,
                invoice.tax_event_date,
                invoice.due_date,
                invoice.currency,
                sign * invoice.total_base,
                sign * invoice.total_vat,
                sign * invoice.total,
                sign * invoice.eur_total,
                invoice.amount_paid,
                invoice.remaining,
                invoice.get_payment_status_display(),
                invoice.get_approval_status_display(),
                invoice.category.name if invoice.category else "",
                str(invoice.responsible) if invoice.responsible else "",
                invoice.get_status_display(),
            ]
        )
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def to_csv(invoices: Iterable[SupplierInvoice]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows(invoices):
        writer.writerow([_text(value) for value in safe_row(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(invoices: Iterable[SupplierInvoice]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Supplier invoices")[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(invoices):
        sheet.append(safe_row(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
            elif hasattr(cell.value, "isoformat"):
                cell.number_format = "DD.MM.YYYY"
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
