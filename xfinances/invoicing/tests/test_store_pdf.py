"""The PDF hook: an issued document's printable record renders and is stored with its hash."""

from __future__ import annotations

import pytest

from xfinances.invoicing import actions, printing
from xfinances.invoicing.tests.factories import SYSTEM, issued, line

pytestmark = pytest.mark.django_db


def test_printable_record_comes_from_the_snapshots(company):
    invoice = issued(company, lines=[line("100"), line("10", vat="export")])
    printable = printing.printable_for(invoice)
    assert printable.number == invoice.number and printable.title == "ФАКТУРА"
    assert printable.recipient.name == invoice.recipient_name
    assert printable.totals.total == invoice.total
    assert "чл. 28 от ЗДДС" in printable.legal_basis_notes
    assert [row.base for row in printable.vat_rows] == [
        g.base for g in invoice.vat_groups.order_by("id")
    ]


def test_store_pdf_renders_and_keeps_the_file(company):
    invoice = issued(company)
    assert actions.store_pdf(invoice) is True
    invoice.refresh_from_db()
    assert invoice.pdf_version == 1 and len(invoice.pdf_sha256) == 64
    assert invoice.pdf_file.read().startswith(b"%PDF")
    note = actions.create_credit_note(SYSTEM, invoice, reason="връщане", issue=True).document
    assert actions.store_pdf(note) is True
