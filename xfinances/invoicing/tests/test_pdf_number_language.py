"""A document printed in English prints English figures and dates (1,250.50); the same document in
Bulgarian or bilingual keeps the Bulgarian forms (1 250,50 and 28.11.2026)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from xfinances.invoicing import printing
from xfinances.invoicing.pdf import document_data, render_document_pdf
from xfinances.invoicing.printable import PrintableDocument, PrintableTotals
from xfinances.invoicing.tests.factories import issued, line


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def sample(language: str) -> PrintableDocument:
    doc = PrintableDocument.sample(language=language)
    big = replace(doc.lines[0], quantity=Decimal("2.5"), unit_price=Decimal("500.2"))
    big = replace(big, net=Decimal("1250.50"))
    totals = PrintableTotals(
        base=Decimal("1250.50"), vat=Decimal("250.10"), total=Decimal("1500.60")
    )
    return replace(doc, lines=(big,), vat_rows=doc.vat_rows[:1], totals=totals)


def test_the_same_document_prints_english_figures_in_english_only():
    english = pdf_text(render_document_pdf(sample("en")))
    bulgarian = pdf_text(render_document_pdf(sample("bg")))
    bilingual = pdf_text(render_document_pdf(sample("bg-en")))

    assert "1,250.50 EUR" in english and "1,500.60 EUR" in english
    assert "500.20" in english and "2.5" in english
    assert "1 250,50" not in english and "1 500,60" not in english

    for text in (bulgarian, bilingual):
        assert "1 250,50" in text and "1 500,60 EUR" in text
        assert "500,20" in text
        assert "1,250.50" not in text


def test_english_dates_follow_the_english_style_and_bulgarian_keep_dd_mm_yyyy():
    english, bulgarian = document_data(sample("en")), document_data(sample("bg"))
    issue_date = sample("en").issue_date
    assert english["dates"][0][-1] == issue_date.isoformat()
    assert bulgarian["dates"][0][-1] == issue_date.strftime("%d.%m.%Y")


@pytest.mark.django_db
def test_an_issued_document_printed_in_english_uses_english_forms(company):
    document = issued(
        company,
        lines=[line(price="1250.50", quantity="1", description="Consulting")],
        language="en",
    )
    data = document_data(printing.printable_for(document))
    assert data["lines"][0]["net"] == "1,250.50"
    assert data["vat_rows"][0]["label"] == "VAT 20 %"
    assert data["vat_rows"][0]["base"] == "1,250.50 EUR"
    assert {"label": "Amount due", "value": "1,500.60 EUR", "strong": True} in data["totals"]

    document.language = "bg"
    data = document_data(printing.printable_for(document))
    assert data["lines"][0]["net"] == "1\u00a0250,50"
    assert data["vat_rows"][0]["label"] == "ДДС 20 %"
