"""Long names and long unbroken words wrap: no page scrolls sideways at 1366 px or on a 390 px
phone (the list pages, the document form, a document, the portal)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.e2e.conftest import sign_in
from xfinances.invoicing.tests.factories import issued
from xfinances.portal import actions as portal_actions
from xfinances.portal.tests.factories import client_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Дружество" + "Щ" * 180 + " ЕООД"
LONG_WORD = "Консултация" + "Ж" * 400

#: For the failure message: the outermost elements that stick out of the page.
WIDEST = """[...document.querySelectorAll('body *')].filter(e => {
    if (e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1) return false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return false;
    }
    return true;
  }).slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + getComputedStyle(e).position
    + ' ' + Math.round(e.getBoundingClientRect().right))"""
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1366, 390])
def test_no_page_scrolls_sideways(browser, live_server, company, make_member, width):
    cache.clear()
    party = client_party(company, "long@klient.bg", name=LONG_NAME)
    document = issued(
        company,
        party=party,
        lines=[
            {
                "description": LONG_WORD,
                "quantity": "1",
                "unit": "pcs",
                "unit_price": "999999999.99",
                "vat_treatment": "standard",
            }
        ],
    )
    owner = make_member(company, "owner", email="owner-wide@example.bg")
    context = browser.new_context(locale="bg-BG", viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, owner.email, "Test-Parola-2026!")
    base = f"{live_server.url}/c/{company.eik}"
    pages = [
        "/",
        "/parties/",
        f"/parties/{party.pk}/",
        "/documents/",
        "/documents/new/",
        f"/documents/{document.pk}/",
        "/payments/",
        "/payments/list/",
        "/purchases/",
        "/treasury/",
    ]
    wide = {}
    for path in pages:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            wide[path] = overflow
            wide[path] = (overflow, page.evaluate(WIDEST))
    # The portal, signed in as the client.
    raw = portal_actions.create_sign_in_token(company, party, "long@klient.bg")
    page.goto(f"{live_server.url}/portal/{company.eik}/link/{raw}/")
    page.click("#continue-sign-in")
    page.wait_for_selector("#portal-documents")
    for path in (f"/portal/{company.eik}/", f"/portal/{company.eik}/documents/{document.pk}/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            wide[path] = overflow
            wide[path] = (overflow, page.evaluate(WIDEST))
    context.close()
    assert not wide, f"pages wider than {width} px (extra px): {wide}"
