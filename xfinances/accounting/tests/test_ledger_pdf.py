"""The VAT ledgers as PDF: rows, totals, header and page numbers read back from the PDF's text,
in English and Bulgarian, from the VAT period page and from the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from pypdf import PdfReader

from xfinances.accounting import ledger_pdf
from xfinances.accounting.building import Period
from xfinances.invoicing.tests.factories import issued, line
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)
DAY = dt.date(2026, 3, 5)


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _month(company: Any) -> list[Any]:
    first = issued(company, today=DAY, lines=[line("100.00")])
    second = issued(company, today=DAY, lines=[line("250.50", quantity="2")])
    make_invoice(company, number="0000007001")
    make_invoice(
        company,
        number="0000007002",
        rows=[{"vat_rate": "20", "base": "1000.00", "vat": "200.00"}],
    )
    return [first, second]


def test_sales_ledger_pdf_from_the_vat_page_lists_rows_and_totals(
    client_as: Any, company: Any
) -> None:
    first, second = _month(company)
    client = client_as(company, "viewer")
    page = client.get(f"/c/{company.eik}/accounting/vat/?period=2026-03")
    assert "ledger=sales" in page.content.decode()
    response = client.get(f"/c/{company.eik}/accounting/vat/ledger.pdf?period=2026-03&ledger=sales")
    assert response["Content-Type"] == "application/pdf"
    assert "sales-ledger-202603.pdf" in response["Content-Disposition"]
    text, pages = _text(response.content)
    assert pages == 1
    assert "Sales ledger" in text and company.name in text and company.eik in text
    assert "2026-03" in text and "Page 1 / 1" in text
    assert first.number in text and second.number in text
    # 100.00 + 2 × 250.50 = 601.00 base, 20 % VAT 120.20; the row and the total.
    assert "501.00" in text and "100.20" in text
    assert "601.00" in text and "120.20" in text
    # The NAP column sums: 02-10 (total base) and 02-20 (total VAT).
    assert "02-10" in text and "02-20" in text
    assert "0000007001" not in text  # purchases are the other ledger


def test_purchase_ledger_pdf_in_bulgarian_and_english(company: Any) -> None:
    _month(company)
    with translation.override("bg"):
        bulgarian, _pages = _text(ledger_pdf.ledger_pdf(company, MARCH, "purchases"))
    assert "Дневник за покупките" in bulgarian and "Общо" in bulgarian
    assert "0000007001" in bulgarian and "0000007002" in bulgarian
    assert "1100,00" in bulgarian.replace("\u00a0", "").replace(" ", "")
    assert "220,00" in bulgarian and "Страница 1 / 1" in bulgarian
    with translation.override("en"):
        english, _pages = _text(ledger_pdf.ledger_pdf(company, MARCH, "purchases"))
    assert "Purchase ledger" in english and "Total" in english
    assert "1,100.00" in english and "220.00" in english


def test_long_ledger_numbers_its_pages_and_totals_every_row(
    company: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(60):
        make_invoice(company, number=f"{8000 + n:010d}")
    monkeypatch.setattr(ledger_pdf, "MAX_ROWS", 50)
    with translation.override("en"):
        text, pages = _text(ledger_pdf.ledger_pdf(company, MARCH, "purchases"))
    assert pages >= 2 and f"Page {pages} / {pages}" in text
    assert "0000008049" in text and "0000008050" not in text
    assert "Only the first 50 rows are listed" in text
    # Every row is counted in the totals, the 10 unlisted ones too.
    assert f"Total {Decimal('100.00') * 60:,.2f} {Decimal('20.00') * 60:,.2f}" in text


def test_api_ledger_pdf(company: Any, api_as: Any) -> None:
    _month(company)
    api = api_as(company, "accountant")
    response = api.get("/accounting/ledgers/purchases.pdf", period="2026-03")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, _pages = _text(response.content)
    assert "0000007002" in text
    assert api.get("/accounting/ledgers/other.pdf", period="2026-03").status_code == 422
    assert api.get("/accounting/ledgers/sales.pdf", period="March").status_code == 422
