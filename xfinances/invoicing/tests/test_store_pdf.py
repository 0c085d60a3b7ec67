"""The PDF hook: an issued document's printable record renders and is stored with its hash."""

from __future__ import annotations

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.core.text_limits import limit_of
from xfinances.invoicing import actions, printing
from xfinances.invoicing.models import DocumentLine
from xfinances.invoicing.tests.factories import SYSTEM, draft, issued, line

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


# --- Isolation (issue 14, defects 1 and 9) -----------------------------------------------------


def test_a_huge_description_prints_and_does_not_stop_the_next_pdf(company, other_company):
    # 40,000 Cyrillic letters made Typst panic and broke PDFs of every company until a restart.
    # Such a line is now refused at its field; the longest one allowed prints.
    with pytest.raises(InvalidInput) as refused:
        issued(company, lines=[line("12.00", description="Ж" * 40_000)])
    assert "lines.1.description" in refused.value.errors
    longest = limit_of(DocumentLine, "description")
    huge = issued(company, lines=[line("12.00", description="Ж" * longest)])
    assert actions.store_pdf(huge) is True
    other = issued(other_company)
    assert printing.document_pdf(other).startswith(b"%PDF")


def test_the_periodic_job_renders_issued_documents_that_lack_a_pdf(company, settings):
    from datetime import timedelta

    from django.utils import timezone

    from xfinances.invoicing import tasks
    from xfinances.invoicing.models import Document

    settings.INVOICING_RENDER_PDF = False  # as if the worker was killed before it rendered
    lost = issued(company)
    recent = issued(company)
    waiting = draft(company)
    Document.objects.filter(pk=lost.pk).update(issued_at=timezone.now() - timedelta(hours=1))
    assert not Document.objects.get(pk=lost.pk).pdf_file
    assert tasks.render_missing_pdfs_job.call_local() == 1
    assert Document.objects.get(pk=lost.pk).pdf_file
    assert not Document.objects.get(pk=recent.pk).pdf_file  # its own job may still be on the way
    assert not Document.objects.get(pk=waiting.pk).pdf_file
    assert tasks.render_missing_pdfs_job.call_local() == 0
