"""A client asks for a sign-in link on the portal, opens it from the e-mail, sees its documents
(not another client's), downloads a PDF, returns a document with a reason; the company's staff
then sees the return on the document page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.e2e.conftest import sign_in
from xfinances.invoicing.tests.factories import issued
from xfinances.portal.models import DocumentResponse
from xfinances.portal.tests.factories import client_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_client_signs_in_by_link_downloads_and_returns(
    page, browser, live_server, company, make_member
):
    from django.core.cache import cache

    cache.clear()  # the sign-in throttle
    party = client_party(company, "maria@klient.bg", name="Клиент Трейд АД")
    first = issued(company, party=party)
    second = issued(company, party=party)
    stranger = issued(company, party=client_party(company, "other@drug.bg"))
    mail.outbox.clear()

    # 1. The portal's front page: ask for a link by e-mail.
    page.goto(f"{live_server.url}/portal/{company.eik}/")
    assert company.name in page.inner_text("#portal-company")
    page.fill("#id_email", "maria@klient.bg")
    page.click("#send-link")
    page.wait_for_selector("#link-sent")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/link/\S+/", mail.outbox[0].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)

    # 2. Open the link from the e-mail and continue: the documents list of this client only.
    page.goto(f"{live_server.url}{path}")
    page.click("#continue-sign-in")
    page.wait_for_selector("#portal-documents")
    listing = page.inner_text("#portal-documents")
    assert first.number in listing and second.number in listing
    assert stranger.number not in listing
    assert "Клиент Трейд АД" in page.inner_text("#portal-party")

    # 3. The document and its PDF.
    page.click(f"text={first.number}")
    page.wait_for_url(f"**/portal/{company.eik}/documents/{first.pk}/")
    href = page.get_attribute("#download-pdf", "href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
    with page.expect_download() as download_info:
        page.click("#download-pdf")
    assert download_info.value.suggested_filename.endswith(".pdf")

    # 4. Another client's document id in the URL: not found.
    stranger_page = page.goto(f"{live_server.url}/portal/{company.eik}/documents/{stranger.pk}/")
    assert stranger_page.status == 404
    page.goto(f"{live_server.url}/portal/{company.eik}/documents/{first.pk}/")

    # 5. Return the document with a reason.
    page.click("#show-return")
    page.fill("#id_reason", "Грешен ЕИК на получателя")
    page.click("#return-document")
    page.wait_for_selector("#response-state")
    assert "Грешен ЕИК на получателя" in page.inner_text("#response-state")
    answer = DocumentResponse.objects.get(document=first)
    assert answer.kind == "returned" and answer.email == "maria@klient.bg"

    # 6. The used link now shows a friendly page offering a new one.
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector("#link-problem")
    assert page.locator("#send-link").is_visible()

    # 7. English on the portal's own switch.
    page.goto(f"{live_server.url}/portal/{company.eik}/statement/")
    page.click("#portal-language")
    page.wait_for_selector("html[lang=en]")
    assert "Account statement" in page.inner_text("main")

    # 8. The company's accountant sees the return on the document page.
    staff_context = browser.new_context(locale="bg-BG")
    staff = staff_context.new_page()
    user = make_member(company, "accountant", email="acc@example.bg")
    sign_in(staff, live_server, user.email, "Test-Parola-2026!")
    staff.goto(f"{live_server.url}/c/{company.eik}/documents/{first.pk}/")
    assert "Грешен ЕИК на получателя" in staff.inner_text("#portal-response")
    assert "maria@klient.bg" in staff.inner_text("#portal-log")
    staff_context.close()
