"""HTMX updates that change what a person reads are announced (WCAG 4.1.3 Status Messages).

Every page has one polite status region (`#live-status`, outside anything HTMX replaces: a region
inserted by a swap is not announced). After a swap it says what changed — how many results, the
new total — and the tests type like a person and wait for it to say so.
"""

from __future__ import annotations

import re
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
from xfinances.invoicing.tests.factories import bg_client, issued
from xfinances.parties.tests.factories import PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-Parola-2026!"


def _status(page: Any) -> Any:
    status = page.locator("#live-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    return status


@pytest.fixture
def signed_in(page, live_server, company, make_member):
    cache.clear()
    system = Actor.system(Source.CLI)
    PartyFactory(company=company, name="Клиент Трейд АД", payment_terms_days=10)
    PartyFactory(company=company, name="Доставчик Слънце ООД")
    create_product(
        system,
        company,
        ProductInput(
            name="Счетоводно обслужване",
            name_en="Bookkeeping",
            unit="month",
            unit_price=Decimal("450.00"),
            vat_treatment="standard",
        ),
    )
    create_product(
        system,
        company,
        ProductInput(
            name="Консултация по ДДС",
            unit="h",
            unit_price=Decimal("60.00"),
            vat_treatment="standard",
        ),
    )
    user = make_member(company, "owner")
    sign_in(page, live_server, user.email, PASSWORD)
    return f"{live_server.url}/c/{company.eik}"


def test_list_search_results_are_announced(page, signed_in):
    page.goto(f"{signed_in}/parties/")
    status = _status(page)
    expect(status).to_have_text("")
    page.locator("#id_q").type("Слънце", delay=20)
    expect(status).to_have_text(re.compile(r"^1 "))
    page.locator("#id_q").fill("")
    page.locator("#id_q").type("няма такъв", delay=20)
    expect(status).to_have_text(re.compile(r"^0 "))

    page.goto(f"{signed_in}/catalog/")
    status = _status(page)
    page.locator("[data-search]").type("ДДС", delay=20)
    expect(status).to_have_text("Намерен е 1 продукт или услуга")


def test_invoice_totals_and_pickers_are_announced(page, signed_in):
    page.goto(f"{signed_in}/documents/new/")
    status = _status(page)
    page.locator("#party-search").type("клиент", delay=20)
    expect(status).to_have_text("Намерен е 1 клиент, ↓ за избор")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    row = page.locator("#lines tr.line-row").first
    row.locator("[name=line_description]").type("счетоводно", delay=20)
    expect(status).to_have_text("Намерен е 1 продукт, ↓ за избор")
    page.keyboard.press("Enter")  # takes the first product, 450.00 + 20 % VAT
    expect(status).to_have_text(re.compile(r"^Общо: 540,00 "))
    row.locator("[name=line_quantity]").fill("2")
    expect(status).to_have_text(re.compile(r"^Общо: 1 ?080,00 "))


def test_global_search_results_are_announced(page, signed_in):
    page.locator("#global-search input[name=q]").fill("Трейд")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(_status(page)).to_have_text(re.compile(r"^1 резултат за „Трейд“"))


def test_document_filters_are_announced(page, signed_in, company):
    issued(company, party=bg_client(company, name="Клиент Филтър ООД"))
    page.goto(f"{signed_in}/documents/")
    status = _status(page)
    page.locator("#id_q").type("Филтър", delay=20)
    expect(status).to_have_text("Показан е 1 документ")
    page.locator("#id_status").select_option("draft")  # the issued one no longer matches
    expect(status).to_have_text("Показани са 0 документа")
