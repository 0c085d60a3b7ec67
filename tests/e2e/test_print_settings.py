"""An accountant sets the footer text and colour of the company's PDFs, tries a broken custom
template (refused, with Typst's line and column, nothing saved), and previews the sample."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import sign_in
from xfinances.invoicing import queries

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_print_settings_in_the_browser(page, live_server, company, make_member):
    user = make_member(company, "accountant", email="acc@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")

    page.goto(f"{live_server.url}/c/{company.eik}/documents/")
    page.click("#print-settings-link")
    page.wait_for_url(f"**/c/{company.eik}/documents/print-settings/")

    # A broken template with other changes: refused as a whole, the page says where it broke.
    page.fill("input[name=footer_text]", "Благодарим ви за доверието!")
    page.set_input_files(
        "input[name=custom_template]",
        files=[{"name": "моя.typ", "mimeType": "text/plain", "buffer": b"#let x = (\n"}],
    )
    page.click("#print-settings-form button[type=submit]")
    error = page.locator("#print-settings-form .invalid-feedback").inner_text()
    assert "Шаблонът не отпечатва примерния документ" in error
    assert "line 1, column 9" in error and "(bg, bg-en, en, voided)" in error
    assert queries.print_settings(company).footer_text == ""

    page.fill("input[name=footer_text]", "Благодарим ви за доверието!")
    page.locator("input[name=accent_colour]").evaluate("(el) => { el.value = '#0a5c36' }")
    page.uncheck("input[name=show_signatures]")
    page.click("#print-settings-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    settings = queries.print_settings(company)
    assert settings.footer_text == "Благодарим ви за доверието!"
    assert (settings.accent_colour, settings.show_signatures) == ("#0a5c36", False)

    # The preview opens in a new tab; fetch it with the same session and read the PDF.
    href = page.get_attribute("#print-preview-link", "href")
    preview = page.request.get(f"{live_server.url}{href}")
    assert preview.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(preview.body())).pages)
    assert "Благодарим ви за доверието!" in re.sub(r"\s+", " ", text)
    assert "Съставил" not in text
