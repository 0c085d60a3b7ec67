"""A document that reached the client is not edited silently: edit refused (UI, API, action)
with void-and-reissue or a note offered; a company may allow edits after delivery, then the
corrected PDF is e-mailed again. The issue confirmation names the recipients. The due date is
not before the issue date."""

from __future__ import annotations

import datetime as dt

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import actions, inputs, printing
from xfinances.invoicing.exceptions import DocumentDelivered
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.invoicing.tests.delivery_factories import auto_send_on, client_with_contacts
from xfinances.invoicing.tests.factories import SYSTEM, draft, issued, line
from xfinances.notifications.models import OutboxMessage

DAY = dt.date.today()  # the edit window counts from the real today


def _delivered(company, **data) -> Document:
    document = issued(
        company,
        party=client_with_contacts(company),
        today=DAY,
        issue_date=DAY,
        tax_event_date=DAY,
        **data,
    )
    assert actions.mark_delivered(SYSTEM, document, "portal_view")
    assert not actions.mark_delivered(SYSTEM, document, "accepted")  # the first one counts
    document.refresh_from_db()
    return document


def test_a_delivered_document_refuses_an_edit_and_changes_nothing(company):
    document = _delivered(company)
    total = document.total
    with pytest.raises(DocumentDelivered, match=r"reached the client|достигнал до клиента"):
        actions.edit_issued_document(
            SYSTEM, document, inputs.draft(lines=[line(quantity="12")]), reason="qty", today=DAY
        )
    document.refresh_from_db()
    assert document.total == total and document.delivered_via == "portal_view"


def test_void_and_reissue_gives_a_new_draft_and_the_protocol(company):
    document = _delivered(company)
    voided, replacement = actions.void_and_reissue(SYSTEM, document, reason="грешно количество")
    assert voided.status == DocumentStatus.VOIDED and voided.annulment_protocol_needed
    assert replacement.is_draft and replacement.party_id == document.party_id
    assert replacement.lines.count() == document.lines.count()
    issued_again = actions.issue_document(SYSTEM, replacement).document
    assert issued_again.number != document.number


def test_allowed_edit_after_delivery_is_resent_marked_corrected(company):
    actions.update_document_settings(SYSTEM, company, allow_edit_after_delivery=True)
    document = _delivered(company)
    result = actions.edit_issued_document(
        SYSTEM, document, inputs.draft(lines=[line(quantity="12")]), reason="qty", today=DAY
    )
    document.refresh_from_db()
    assert document.corrected_after_delivery_at is not None
    message = OutboxMessage.objects.get(document_id=document.pk)
    assert message.payload["subject"].startswith("Коригиран документ")
    assert "accounting@client.example.bg" in message.payload["to"]
    assert any("accounting@client.example.bg" in warning for warning in result.warnings)
    assert printing.printable_for(document).copy_label == "Коригиран"


def test_an_undelivered_issued_document_is_still_editable(company):
    document = issued(company, today=DAY, issue_date=DAY, tax_event_date=DAY)
    actions.edit_issued_document(
        SYSTEM, document, inputs.draft(lines=[line(quantity="2")]), reason="qty", today=DAY
    )


def test_the_due_date_cannot_be_before_the_issue_date(company):
    # Refused already when the draft is saved (the input boundary), and so never issued.
    with pytest.raises(InvalidInput) as refused:
        draft(company, issue_date=DAY, tax_event_date=DAY, due_date=DAY - dt.timedelta(1))
    assert "due_date" in refused.value.errors
    assert not Document.objects.filter(company=company).exists()


def test_ui_refuses_the_edit_and_offers_void_and_reissue(company, client_as):
    web = client_as(company, "owner")
    document = _delivered(company)
    base = f"/c/{company.eik}/documents/{document.pk}/"
    page = web.get(base).content.decode()
    assert (
        'id="void-and-reissue-form"' in page and "/edit/" not in page.split("delivered-notice")[0]
    )
    response = web.get(f"{base}edit/")
    assert response.status_code == 302 and response["Location"].endswith(base)
    response = web.post(f"{base}void-and-reissue/", {"reason": "грешка"})
    replacement = Document.objects.exclude(pk=document.pk).get()
    assert response["Location"].endswith(f"/documents/{replacement.pk}/edit/")


def test_api_answers_409_and_reissues(company, api_as):
    api = api_as(company, "owner")
    document = _delivered(company)
    refused = api.patch(f"/documents/{document.pk}", {"reason": "x", "due_date": "2026-04-30"})
    detail = refused.json()["detail"].lower()
    assert refused.status_code == 409 and ("void" in detail or "анулирайте" in detail)
    body = api.post(f"/documents/{document.pk}/void-and-reissue", {"reason": "x"})
    assert body.status_code == 201
    data = body.json()
    assert data["voided"]["status"] == "voided" and data["replacement"]["status"] == "draft"
    assert data["voided"]["delivered_via"] == "portal_view"


def test_the_issue_confirmation_names_the_recipients(company, client_as):
    web = client_as(company, "owner")
    auto_send_on(company)
    document = draft(company, party=client_with_contacts(company))
    page = web.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert "office@client.example.bg, accounting@client.example.bg" in page
