"""Pages: list, form (with duplicate message and VAT row errors), UBL prefill, approval buttons,
payments due this week with the saved selection, CSV/XLSX exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from xfinances.parties.models import Party
from xfinances.purchases.models import PaymentBatch, SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _post_data(supplier: Any, number: str = "0000004521", **extra: Any) -> dict[str, Any]:
    data = {
        "supplier": supplier.pk,
        "kind": "invoice",
        "supplier_number": number,
        "issue_date": "2026-03-02",
        "due_date": "2026-03-16",
        "currency": "EUR",
        "row0_vat_rate": "20",
        "row0_base": "300.00",
        "row0_vat": "60.00",
        "row0_vat_credit": "full",
    }
    data.update(extra)
    return data


def test_register_through_the_form_and_duplicate_message(company: Any, client_as: Any) -> None:
    client = client_as(company, "purchasing")
    supplier = make_supplier(company)
    url = f"/c/{company.eik}/purchases/new/"
    response = client.post(url, _post_data(supplier))
    assert response.status_code == 302
    invoice = SupplierInvoice.objects.get()
    assert response["Location"].endswith(f"/purchases/{invoice.pk}/")
    again = client.post(url, _post_data(supplier, number="4521"))
    assert again.status_code == 422
    body = again.content.decode()
    assert "is already registered" in body
    assert f"/purchases/{invoice.pk}/" in body  # a link to the registered one
    assert SupplierInvoice.objects.count() == 1


def test_form_shows_vat_row_error_on_the_row(company: Any, client_as: Any) -> None:
    client = client_as(company, "accountant")
    response = client.post(
        f"/c/{company.eik}/purchases/new/", _post_data(make_supplier(company), row0_vat="90")
    )
    assert response.status_code == 422
    assert "does not match" in response.content.decode()
    assert not SupplierInvoice.objects.exists()


def test_ubl_upload_fills_the_form_and_creates_the_supplier(company: Any, client_as: Any) -> None:
    client = client_as(company, "purchasing")
    with open(FIXTURES / "invoice_bg.xml", "rb") as xml:
        response = client.post(f"/c/{company.eik}/purchases/import/", {"xml": xml})
    assert response.status_code == 302
    form_page = client.get(response["Location"])
    body = form_page.content.decode()
    assert 'value="0000004521"' in body and 'value="216.67"' in body
    assert 'value="2026-02-27"' in body  # tax event date
    assert 'id="supplier-missing"' in body
    import_id = response["Location"].split("import=")[1]
    post = {
        key: value
        for key, value in _post_data(make_supplier(company, eik="175074752")).items()
        if key != "supplier"
    }
    post.update(
        {
            "import_id": import_id,
            "create_supplier": "True",
            "row1_vat_rate": "9",
            "row1_base": "216.67",
            "row1_vat": "19.50",
        }
    )
    saved = client.post(response["Location"], post)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    invoice = SupplierInvoice.objects.get()
    assert invoice.supplier.eik == "204801524" and invoice.supplier.is_supplier
    assert invoice.total == invoice.total_base + invoice.total_vat
    assert invoice.attachments.count() == 2
    assert Party.objects.filter(company=company, eik="204801524").count() == 1


def test_ubl_upload_errors_are_shown(company: Any, client_as: Any) -> None:
    client = client_as(company, "purchasing")
    response = client.post(
        f"/c/{company.eik}/purchases/import/",
        {"xml": io.BytesIO(b"<Invoice/>")},
    )
    assert response.status_code == 422
    assert "not a UBL 2.1 invoice" in response.content.decode()


def test_approve_reject_pages_and_roles(company: Any, client_as: Any, make_member: Any) -> None:
    accountant = make_member(company, "accountant")
    invoice = make_invoice(company, approval_required=True, approver=accountant.pk)
    buyer = client_as(company, "purchasing")
    detail = buyer.get(f"/c/{company.eik}/purchases/{invoice.pk}/")
    assert 'id="decide"' not in detail.content.decode()
    assert buyer.post(f"/c/{company.eik}/purchases/{invoice.pk}/approve/").status_code == 403
    client = client_as(company, "accountant")
    assert 'id="decide"' in client.get(f"/c/{company.eik}/purchases/{invoice.pk}/").content.decode()
    client.post(f"/c/{company.eik}/purchases/{invoice.pk}/reject/", {"reason": "Грешна цена"})
    invoice.refresh_from_db()
    assert invoice.approval_status == "rejected" and invoice.approval_reason == "Грешна цена"


def test_due_this_week_and_selection(company: Any, client_as: Any) -> None:
    due = make_invoice(company, number="due", due_date=dt.date(2026, 3, 18))
    overdue = make_invoice(company, number="old", due_date=dt.date(2026, 3, 3))
    make_invoice(company, number="later", due_date=dt.date(2026, 3, 30))
    client = client_as(company, "owner")
    url = f"/c/{company.eik}/purchases/due/"
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC), tick=False):
        page = client.get(url).content.decode()
        assert ">due<" in page and ">old<" in page and ">later<" not in page
        response = client.post(url, {"invoice": [due.pk, overdue.pk], "note": "петък"})
    assert response.status_code == 302
    batch = PaymentBatch.objects.get()
    assert sorted(batch.invoices.values_list("pk", flat=True)) == sorted([due.pk, overdue.pk])
    assert batch.status == "draft" and batch.note == "петък"
    viewer = client_as(company, "purchasing")
    viewer.post(url, {"invoice": [due.pk]})
    assert PaymentBatch.objects.count() == 1


def test_csv_and_xlsx_exports(company: Any, client_as: Any) -> None:
    invoice = make_invoice(company, number="0000004521")
    make_invoice(
        company,
        number="CN-7",
        kind="credit_note",
        corrected_invoice=invoice.pk,
        rows=[{"vat_rate": "20", "base": "10.00", "vat": "2.00"}],
    )
    client = client_as(company, "viewer")
    response = client.get(f"/c/{company.eik}/purchases/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Kind", "Supplier"] and rows[0][3] == "Supplier's number"
    by_number = {row[3]: row for row in rows[1:]}
    assert by_number["0000004521"][10] == "120.00"
    assert by_number["CN-7"][10] == "-12.00" and by_number["CN-7"][0] == "Credit note"
    xlsx = client.get(f"/c/{company.eik}/purchases/export.xlsx?kind=credit_note")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][3] == "CN-7" and float(values[1][10]) == -12.0


def test_detail_batch_and_settings_pages_show_their_data(company: Any, client_as: Any) -> None:
    from xfinances.core.audit import Actor
    from xfinances.purchases import actions

    invoice = make_invoice(company, number="0000004521", description="Офис хартия")
    batch = actions.create_payment_batch(Actor.system(), company, [invoice.pk], "петък")
    client = client_as(company, "owner")
    detail = client.get(f"/c/{company.eik}/purchases/{invoice.pk}/").content.decode()
    assert "Офис хартия" in detail and "120.00 EUR" in detail and "Scheduled" in detail
    page = client.get(f"/c/{company.eik}/purchases/batches/{batch.pk}/").content.decode()
    assert "0000004521" in page and "120.00 EUR" in page and "петък" in page
    settings_page = client.get(f"/c/{company.eik}/purchases/settings/").content.decode()
    assert "Fixed assets" in settings_page
    saved = client.post(
        f"/c/{company.eik}/purchases/settings/",
        {
            "alert_days_before": "7",
            "escalation_days": "10",
            "approval_alert_days": "4",
            "vat_tolerance": "0.20",
        },
    )
    assert saved.status_code == 302
    from xfinances.purchases.queries import settings_of

    assert settings_of(company).alert_days_before == 7


@pytest.mark.parametrize(("base", "vat"), [("1250,50", "250,10"), ("1 250.50", "250.10")])
def test_amounts_typed_with_a_comma_or_spaces_are_read_not_multiplied(
    company: Any, client_as: Any, base: str, vat: str
) -> None:
    client = client_as(company, "purchasing")
    form_page = client.get(f"/c/{company.eik}/purchases/new/").content.decode()
    assert 'type="number"' not in form_page  # the browser's locale must not read the amounts
    response = client.post(
        f"/c/{company.eik}/purchases/new/",
        _post_data(make_supplier(company), row0_base=base, row0_vat=vat),
    )
    assert response.status_code == 302
    invoice = SupplierInvoice.objects.get()
    assert invoice.total_base == Decimal("1250.50")
    assert invoice.total == Decimal("1500.60")
