"""Editing an issued document (reason, field-by-field audit, version, PDF history) and voiding
(number kept, annulment protocol, refusals)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs
from xfinances.invoicing.exceptions import StaleDocument
from xfinances.invoicing.models import Document, DocumentPdf
from xfinances.invoicing.tests.factories import SYSTEM, draft, issued, line

pytestmark = pytest.mark.django_db


def test_edit_is_audited_field_by_field_with_the_reason(company):
    invoice = issued(company)
    version = invoice.version
    result = actions.edit_issued_document(
        SYSTEM,
        invoice,
        inputs.draft(notes="Плащане до 10-о число", lines=[line("150")]),
        reason="грешна цена",
        expected_version=version,
    )
    edited = result.document
    assert edited.number == invoice.number and edited.version == version + 1
    assert edited.total == Decimal("180.00") and edited.amount_in_words == "Сто и осемдесет евро"
    entry = AuditEntry.objects.get(action="edit_issued_document", object_id=str(invoice.pk))
    assert entry.reason == "грешна цена"
    assert entry.changes["notes"] == ["", "Плащане до 10-о число"]
    assert entry.changes["total"] == ["120.00", "180.00"]
    assert entry.changes["version"] == [version, version + 1]
    assert entry.changes["lines"][0] != entry.changes["lines"][1]
    assert "status" not in entry.changes and "number" not in entry.changes


def test_edit_refusals_change_nothing(company):
    invoice = issued(company)
    with pytest.raises(InvalidInput) as refused:
        actions.edit_issued_document(SYSTEM, invoice, inputs.draft(notes="x"), reason="")
    assert "reason" in refused.value.errors
    with pytest.raises(StaleDocument):
        actions.edit_issued_document(
            SYSTEM,
            invoice,
            inputs.draft(notes="x"),
            reason="r",
            expected_version=invoice.version - 1,
        )
    with pytest.raises(InvalidInput) as refused:
        actions.edit_issued_document(SYSTEM, invoice, inputs.draft(lines=[line("0")]), reason="r")
    assert "lines" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        actions.edit_issued_document(SYSTEM, invoice, inputs.draft(currency="USD"), reason="r")
    assert "currency" in refused.value.errors
    fresh = Document.objects.get(pk=invoice.pk)
    assert (fresh.notes, fresh.total, fresh.version) == ("", Decimal("120.00"), invoice.version)
    with pytest.raises(Conflict):
        actions.edit_issued_document(SYSTEM, draft(company), inputs.draft(notes="x"), reason="r")


def test_void_keeps_the_number_and_needs_a_protocol_once_sent(company):
    fresh = issued(company)
    result = actions.void_document(SYSTEM, fresh, reason="дублирана")
    voided = result.document
    assert voided.status == "voided" and voided.number == "0000000001"
    assert voided.void_reason == "дублирана" and voided.voided_at is not None
    assert not voided.annulment_protocol_needed and result.annulment_protocol is None
    entry = AuditEntry.objects.get(action="void_document", object_id=str(voided.pk))
    assert entry.reason == "дублирана" and entry.changes["status"] == ["issued", "voided"]

    sent = issued(company)
    Document.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    sent = Document.objects.select_related("company").get(pk=sent.pk)
    result = actions.void_document(SYSTEM, sent, reason="грешен клиент")
    assert result.document.annulment_protocol_needed
    assert result.annulment_protocol["number"] == sent.number
    assert result.annulment_protocol["reason"] == "грешен клиент"


def test_void_of_an_older_document_needs_a_protocol(company):
    day = dt.date(2026, 11, 1)
    old = issued(company, issue_date=day, tax_event_date=day)
    result = actions.void_document(SYSTEM, old, reason="x", today=day + dt.timedelta(days=6))
    assert result.document.annulment_protocol_needed


def test_invoice_with_issued_notes_cannot_be_voided(company):
    invoice = issued(company)
    note = actions.create_credit_note(
        SYSTEM, invoice, reason="отстъпка", lines=[line("10")], issue=True
    ).document
    with pytest.raises(Conflict):
        actions.void_document(SYSTEM, invoice, reason="x")
    actions.void_document(SYSTEM, note, reason="грешка")
    assert actions.void_document(SYSTEM, invoice, reason="x").document.status == "voided"


def test_pdf_history_keeps_the_old_file(company, api_as):
    invoice = issued(company)
    actions.attach_pdf(invoice, b"%PDF-1.7 first")
    actions.attach_pdf(invoice, b"%PDF-1.7 first")  # a retried job changes nothing
    invoice.refresh_from_db()
    assert invoice.pdf_version == 1 and not DocumentPdf.objects.filter(document=invoice).exists()
    actions.attach_pdf(invoice, b"%PDF-1.7 second")
    invoice.refresh_from_db()
    old = DocumentPdf.objects.get(document=invoice)
    assert invoice.pdf_version == 2 and old.version == 1
    assert old.file.read() == b"%PDF-1.7 first"
    response = api_as(company, "viewer").get(f"/documents/{invoice.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.7 second"


def test_delete_draft_only(company):
    document = draft(company)
    actions.delete_draft(SYSTEM, document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert AuditEntry.objects.filter(action="delete_draft", object_id=str(document.pk)).exists()


def test_copy_makes_a_new_draft(company):
    invoice = issued(company, lines=[line("10", "3")])
    copy = actions.copy_document(SYSTEM, invoice)
    assert copy.status == "draft" and copy.number is None and copy.copied_from_id == invoice.pk
    assert copy.total == invoice.total and copy.party_id == invoice.party_id
