"""Payment status in the browser: "Mark as paid" on the document's Payments tab records the
money into a bank account and the document shows the paid badge (page and list); a credit note
settles its invoice at once; a document that reached the client refuses a silent edit and
offers void-and-reissue."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.e2e.conftest import sign_in
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.invoicing.tests.factories import bg_client, issued, line
from xfinances.treasury.tests.factories import bank_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SYSTEM = Actor.system(Source.CLI)


def _invoice(company, price: str = "240.00"):
    today = dt.date.today()
    return issued(
        company,
        party=bg_client(company, name="Клиент Плащане ООД"),
        lines=[line(price, vat="exempt")],
        issue_date=today,
        tax_event_date=today,
        due_date=today + dt.timedelta(days=10),
        today=today,
    )


def test_mark_as_paid_shows_the_paid_badge(page, live_server, company, make_member):
    document = _invoice(company)
    bank_account(company, name="Основна банкова сметка")
    user = make_member(company, "accountant", email="acc@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")

    page.goto(f"{live_server.url}/c/{company.eik}/documents/{document.pk}/")
    assert (
        page.get_attribute("#payment-status-badge [data-payment-status]", "data-payment-status")
        == "unpaid"
    )
    page.click("#payments-tab")
    page.select_option("#mark-paid-account", label="Основна банкова сметка (Банкова сметка)")
    assert page.input_value("#mark-paid-amount") == "240.00"
    page.click("#mark-paid-button")
    page.wait_for_url("**?tab=payments")
    badge = page.locator("#payment-status-badge [data-payment-status]")
    assert badge.get_attribute("data-payment-status") == "paid"
    assert badge.inner_text() == "Платена"
    assert page.locator("#document-allocations tbody tr").count() == 1
    document.refresh_from_db()
    assert document.payment_status == "paid" and document.paid_amount == Decimal("240.00")

    page.goto(f"{live_server.url}/c/{company.eik}/documents/?payment_status=paid")
    row = page.locator(f'tr[data-document="{document.pk}"]')
    assert row.locator('[data-payment-status="paid"]').inner_text() == "Платена"


def test_a_credit_note_settles_its_invoice_at_once(page, live_server, company, make_member):
    document = _invoice(company, "100.00")
    invoicing.create_credit_note(
        SYSTEM, document, reason="отстъпка", issue=True, lines=[line("40.00", vat="exempt")]
    )
    user = make_member(company, "owner", email="owner@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.goto(f"{live_server.url}/c/{company.eik}/documents/{document.pk}/?tab=payments")
    assert page.inner_text("#payment-status-badge") == "Частично платена"
    assert page.inner_text("#credited-amount") in ("40.00", "40,00")
    assert page.inner_text("#outstanding-amount") in ("60.00", "60,00")


def test_a_delivered_invoice_refuses_a_silent_edit(page, live_server, company, make_member):
    document = _invoice(company)
    invoicing.mark_delivered(SYSTEM, document, "accepted")
    user = make_member(company, "owner", email="owner@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    detail = f"{live_server.url}/c/{company.eik}/documents/{document.pk}/"

    page.goto(detail)
    assert page.locator("#delivered-notice").is_visible()
    assert page.locator(f'a[href$="/documents/{document.pk}/edit/"]').count() == 0
    page.goto(f"{detail}edit/")  # typed by hand: back to the page with the reason
    page.wait_for_url(detail)
    assert "достигнал до клиента" in page.inner_text(".alert-danger, .alert-error, .alert")

    page.fill("#void-and-reissue-form input[name=reason]", "Грешно количество")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#void-and-reissue-button")
    page.wait_for_url("**/edit/")
    document.refresh_from_db()
    assert document.status == DocumentStatus.VOIDED
    replacement = Document.objects.exclude(pk=document.pk).get(company=company)
    assert replacement.is_draft and f"/documents/{replacement.pk}/edit/" in page.url
