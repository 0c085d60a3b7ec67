"""A new user signs up a company on a fresh install and reaches its first issued invoice by
following the dashboard's first steps."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from xfinances.core.models import Company
from xfinances.invoicing.models import Document, DocumentStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_then_first_client_and_first_invoice_from_the_checklist(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.click("#sign-up-link")
    page.fill("input[name=full_name]", "Мария Петрова")
    page.fill("input[name=email]", "maria@nova.bg")
    page.fill("input[name=password]", "Дълга-парола-2026")
    page.fill("input[name=name]", "Нова Фирма ЕООД")
    page.fill("input[name=eik]", "131468980")
    page.fill("input[name=city]", "Пловдив")
    page.fill("input[name=address]", "ул. Главна 1")
    page.click("#sign-up")
    page.wait_for_selector("#first-steps")
    company = Company.objects.get(eik="131468980")
    assert page.url.endswith(f"/c/{company.eik}/")
    assert page.get_attribute("[data-step=client]", "data-done") == "0"

    # Step: the first client.
    page.click("[data-step=client] a")
    page.wait_for_url(f"**/c/{company.eik}/parties/new/")
    page.fill("input[name=name]", "Клиент Трейд АД")
    page.fill("input[name=eik]", "175074752")
    page.fill("input[name=city]", "София")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/c/{company.eik}/")
    assert page.get_attribute("[data-step=client]", "data-done") == "1"

    # Step: the first invoice, through the checklist's link.
    page.click("[data-step=invoice] a")
    page.wait_for_url(f"**/c/{company.eik}/documents/new/")
    page.type("#party-search", "клиент тр", delay=30)
    page.wait_for_selector("#party-results [data-party-pick]")
    page.press("#party-search", "ArrowDown")
    page.keyboard.press("Enter")
    line = page.locator("#lines tr.line-row").nth(0)
    line.locator("[name=line_description]").fill("Консултация")
    line.locator("[name=line_unit_price]").fill("1250,50")
    expect(page.locator("#total-amount")).to_contain_text("1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#issue-button")
    page.wait_for_url(f"**/c/{company.eik}/documents/*/")
    document = Document.objects.get(company=company)
    assert document.status == DocumentStatus.ISSUED
    assert document.base == document.lines.get().net  # 1250,50 read as 1250.50, not 125050
    assert str(document.lines.get().unit_price) in ("1250.5000", "1250.50")

    page.goto(f"{live_server.url}/c/{company.eik}/")
    assert page.get_attribute("[data-step=invoice]", "data-done") == "1"
    assert page.is_visible("#new-invoice")
