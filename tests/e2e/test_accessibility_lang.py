"""The language of each page and of the English passages on Bulgarian pages (WCAG 3.1.1, 3.1.2).

`<html lang>` follows the active language. On a Bulgarian page every visible run of Latin-script
words — the switch's "English", a product's English name, the lines of an English invoice, an
English message nobody translated — must sit inside `lang="en"`, or a Bulgarian voice reads it
with Bulgarian sounds. Acronyms (IBAN, PDF, ЕИК numbers) are read letter by letter in either
language and are left alone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from xfinances.catalog.actions import create_product
from xfinances.catalog.inputs import ProductInput
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing.tests.factories import bg_client, issued, line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-Parola-2026!"

# Visible text nodes made of Latin words (a lower-case run of three letters: not an acronym),
# not addresses or numbers, whose nearest lang is not English.
UNMARKED_JS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.replace(/\\s+/g, " ").trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || el.closest("script, style, template, [hidden], .font-monospace")) continue;
    if (!el.getClientRects().length) continue;
    if (!/[a-z]{3,}/.test(text) || /[\\u0400-\\u04FF]/.test(text)) continue;
    if (/@|:\\/\\/|^[\\w.-]+\\.(bg|com|eu)$/.test(text)) continue;
    const marked = el.closest("[lang]");
    if (!marked || !marked.getAttribute("lang").startsWith("en")) found.push(text.slice(0, 60));
  }
  return found;
}"""


def _unmarked(page: Any, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return [f"{url}: «{text}»" for text in page.evaluate(UNMARKED_JS)]


def test_the_page_language_follows_the_switch(page, live_server):
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    switch = page.locator("#switch-language")
    expect(switch).to_have_text("English")
    expect(switch).to_have_attribute("lang", "en")
    with page.expect_navigation():
        switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(switch).to_have_text("Български")
    expect(switch).to_have_attribute("lang", "bg")


def test_english_passages_on_bulgarian_pages_are_marked(page, live_server, company, make_member):
    cache.clear()
    system = Actor.system(Source.CLI)
    create_product(
        system,
        company,
        ProductInput(
            name="Счетоводно обслужване",
            name_en="Bookkeeping services",
            unit="month",
            unit_price=Decimal("450.00"),
            vat_treatment="standard",
        ),
    )
    today = dt.date.today()
    english = issued(
        company,
        party=bg_client(company, name="Клиент Лондон ООД"),
        lines=[line("100.00", description="Consulting services", vat="exempt")],
        language="en",
        issue_date=today,
        tax_event_date=today,
        due_date=today + dt.timedelta(days=10),
        today=today,
    )
    user = make_member(company, "owner")
    sign_in(page, live_server, user.email, PASSWORD)
    base = f"{live_server.url}/c/{company.eik}"
    expect(page.locator("html")).to_have_attribute("lang", "bg")

    problems: list[str] = []
    for url in (
        f"{base}/",
        f"{base}/catalog/",
        f"{base}/documents/",
        f"{base}/documents/new/",
        f"{base}/documents/{english.pk}/",
        f"{base}/parties/",
        f"{base}/settings/",
    ):
        problems += _unmarked(page, url)
    assert not problems, "\n".join(problems)

    # And the passages this test is about were on the pages, marked.
    page.goto(f"{base}/catalog/")
    expect(page.get_by_text("Bookkeeping services")).to_have_attribute("lang", "en")
    page.goto(f"{base}/documents/{english.pk}/")
    expect(page.get_by_text("Consulting services")).to_have_attribute("lang", "en")
