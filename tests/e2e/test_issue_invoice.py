"""A sales person creates an invoice with two lines for an existing client by typing in the
party and product searches, watches the totals update live, issues it and opens its PDF."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from xfinances.catalog.actions import create_product
from xfinances.catalog.inputs import ProductInput
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.parties.tests.factories import PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_an_invoice_in_the_browser(page, live_server, company, make_member):
    system = Actor.system(Source.CLI)
    client = PartyFactory(company=company, name="Клиент Трейд АД", payment_terms_days=10)
    create_product(
        system, company,
        ProductInput(name="Счетоводно обслужване", unit="month", unit_price=Decimal("450.00")),
    )  # fmt: skip
    create_product(
        system, company,
        ProductInput(name="Консултация по ДДС", unit="h", unit_price=Decimal("60.00")),
    )  # fmt: skip
    user = make_member(company, "sales", email="maria@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")

    page.goto(f"{live_server.url}/c/{company.eik}/documents/")
    page.keyboard.press("Alt+n")  # "New invoice"
    page.wait_for_url(f"**/c/{company.eik}/documents/new/")

    # The client: type, pick with the keyboard (↓ then Enter); the due date follows its terms.
    page.fill("#party-search", "")
    page.type("#party-search", "клиент тр", delay=30)
    page.wait_for_selector("#party-results [data-party-pick]")
    page.press("#party-search", "ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_party_id") == str(client.pk)
    issue_date = page.input_value("#id_issue_date")
    assert page.input_value("#id_due_date") > issue_date

    # Line 1 from the catalogue: typing finds the product, Enter takes the first result.
    first = page.locator("#lines tr.line-row").nth(0)
    first.locator("[name=line_description]").type("счетоводно", delay=30)
    first.locator("[data-product-pick]").first.wait_for()
    first.locator("[name=line_description]").press("Enter")
    assert first.locator("[name=line_unit_price]").input_value() == "450.0000"
    expect(page.locator("#total-amount")).to_contain_text("540")

    # Line 2: Enter in the last field of the last line adds a line.
    first.locator("[name=line_discount_percent]").press("Enter")
    second = page.locator("#lines tr.line-row").nth(1)
    assert page.evaluate("document.activeElement.name") == "line_description"
    second.locator("[name=line_description]").type("консултация", delay=30)
    second.locator("[data-product-pick]").first.wait_for()
    second.locator("[data-product-pick]").first.click()
    second.locator("[name=line_quantity]").fill("2")
    # Live totals: 450 + 120 = 570 base, 114 VAT, 684 total, and the amount in words.
    expect(page.locator("#total-amount")).to_contain_text("684")
    assert "шестстотин осемдесет и четири" in page.inner_text("#amount-words").lower()
    expect(page.locator("#lines .line-net").nth(1)).to_have_text("120,00")
    assert first.locator(".line-net").inner_text() == "450,00"

    # Issue (confirm dialog accepted).
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#issue-button")
    page.wait_for_url(f"**/c/{company.eik}/documents/*/")
    document = Document.objects.get(company=company)
    assert document.status == DocumentStatus.ISSUED and document.number == "0000000001"
    assert document.total == Decimal("684.00") and document.lines.count() == 2
    assert "0000000001" in page.inner_text("#document-heading")

    # The PDF: the download link answers with a PDF carrying the number.
    href = page.get_attribute("#download-pdf", "href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert "0000000001" in text
    # And the PDF tab shows it in a frame.
    page.click("#pdf-tab")
    expect(page.locator("#pdf-frame")).to_have_attribute("src", re.compile("/pdf/"))
