"""Keyboard only (WCAG 2.1.1, 2.4.1, 2.4.3, 2.4.7): sign in, skip to the content, create and issue
an invoice, record its payment — with Tab, Shift+Tab, Enter, the arrow keys and typing, never the
mouse. Every element that takes the focus must show it (an outline or a box-shadow) and be on
screen. docs/accessibility.md describes the same walk step by step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from xfinances.catalog.actions import create_product
from xfinances.catalog.inputs import ProductInput
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.parties.tests.factories import PartyFactory
from xfinances.treasury.tests.factories import bank_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-Parola-2026!"
Focus = dict[str, Any]

# What has the focus, and whether a sighted keyboard user can see that it has.
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body", id: "", name: "", label: "", ring: false,
                                          visible: false, href: "", role: ""};
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = !!style.boxShadow && style.boxShadow !== "none";
  const text = el.getAttribute("aria-label") || (el.labels && el.labels.length ?
      el.labels[0].textContent : "") || el.textContent || el.value || "";
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
          label: text.replace(/\\s+/g, " ").trim().slice(0, 50), ring: outline || shadow,
          visible: rect.width > 0 && rect.height > 0, href: el.getAttribute("href") || "",
          role: el.getAttribute("role") || ""};
}"""


class Walk:
    """Presses keys and checks the focus after each one; `path` keeps what had the focus."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.path: list[str] = []
        self.unseen: list[str] = []

    def focus(self) -> Focus:
        info: Focus = self.page.evaluate(FOCUS_JS)
        for _ in range(10):  # a focus ring may still be fading in (Bootstrap's transitions)
            if info["ring"] or info["tag"] == "body":
                break
            self.page.wait_for_timeout(50)
            info = self.page.evaluate(FOCUS_JS)
        return info

    def press(self, key: str) -> Focus:
        self.page.keyboard.press(key)
        info = self.focus()
        described = f"{key}: {info['tag']}#{info['id'] or info['name']} «{info['label']}»"
        self.path.append(described)
        if info["tag"] != "body" and not (info["ring"] and info["visible"]):
            self.unseen.append(described)
        return info

    def follow(self, key: str = "Enter") -> None:
        """A key that loads another page (a link, a submit button)."""
        self.path.append(f"{key}: follows {self.focus()['label']!r}")
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("networkidle")

    def tab_to(self, wanted: Callable[[Focus], bool], limit: int = 40, key: str = "Tab") -> Focus:
        for _ in range(limit):
            info = self.press(key)
            if wanted(info):
                return info
        raise AssertionError(f"not reached with {limit} × {key}:\n" + "\n".join(self.path[-limit:]))


def test_issue_an_invoice_and_record_its_payment_by_keyboard(
    page, live_server, company, make_member
):
    cache.clear()
    system = Actor.system(Source.CLI)
    PartyFactory(company=company, name="Клиент Трейд АД", payment_terms_days=10)
    create_product(
        system,
        company,
        ProductInput(
            name="Счетоводно обслужване",
            unit="month",
            unit_price=Decimal("450.00"),
            vat_treatment="standard",
        ),
    )
    bank_account(company, name="Основна банкова сметка")
    user = make_member(company, "owner", email="owner@example.bg")
    page.emulate_media(reduced_motion="reduce")
    walk = Walk(page)

    # 1. Sign in: the e-mail field has the focus on arrival; Tab to the password; Enter sends.
    page.goto(f"{live_server.url}/login/")
    assert walk.focus()["name"] == "username"
    page.keyboard.type(user.email)
    assert walk.press("Tab")["name"] == "password"
    page.keyboard.type(PASSWORD)
    walk.follow()
    page.wait_for_url(f"**/c/{company.eik}/")

    # 2. The first Tab reaches "Skip to content"; Enter puts the focus on the main content.
    first = walk.press("Tab")
    assert first["href"] == "#main", walk.path
    assert walk.press("Enter")["id"] == "main"
    walk.tab_to(lambda f: f["id"] == "new-invoice")
    walk.follow()
    page.wait_for_url(f"**/c/{company.eik}/documents/new/")

    # 3. The client search has the focus; typing lists the matches, ↓ and Enter pick one and
    #    move on to the first line's description.
    assert walk.focus()["id"] == "party-search"
    page.keyboard.type("клиент", delay=20)
    expect(page.locator("#party-results [data-party-pick]")).to_have_count(1)
    assert walk.press("ArrowDown")["label"].startswith("Клиент Трейд АД")
    assert walk.press("Enter")["name"] == "line_description"

    # 4. The line: typing finds the product, Enter takes it and moves to the quantity.
    page.keyboard.type("счетоводно", delay=20)
    expect(page.locator("#lines [data-product-pick]")).to_have_count(1)
    assert walk.press("Enter")["name"] == "line_quantity"
    expect(page.locator("#live-status")).to_have_text(re.compile(r"^Общо: 540,00 "))

    # 5. Tab through the rest of the form, in reading order, to "Issue"; the confirmation is
    #    the browser's own dialog (keyboard-operable), accepted here.
    names = []
    walk.tab_to(lambda f: names.append(f["name"] or f["id"]) or f["id"] == "issue-button")
    line_fields = ["line_unit", "line_unit_price", "line_vat_treatment", "line_discount_percent"]
    assert names[: len(line_fields)] == line_fields, names
    assert names.index("document_discount_percent") < names.index("notes") < names.index("op")
    page.once("dialog", lambda dialog: dialog.accept())
    walk.follow()
    page.wait_for_url(re.compile(rf"/c/{company.eik}/documents/\d+/$"))
    document = Document.objects.get(company=company)
    assert document.status == DocumentStatus.ISSUED and document.total == Decimal("540.00")

    # 6. On the document: skip to the content, Tab to the tabs, → moves between them (one tab
    #    stop for the whole tab list), then Tab into the payment form and Enter records it.
    assert walk.press("Tab")["href"] == "#main"
    walk.press("Enter")
    walk.tab_to(lambda f: f["role"] == "tab")
    walk.tab_to(lambda f: f["id"] == "payments-tab", limit=4, key="ArrowRight")
    expect(page.locator("#tab-payments")).to_be_visible()
    walk.tab_to(lambda f: f["id"] == "mark-paid-account")
    walk.tab_to(lambda f: f["id"] == "mark-paid-button")
    assert page.input_value("#mark-paid-amount") == "540.00"
    walk.follow()
    page.wait_for_url("**?tab=payments")
    expect(page.locator("#payment-status-badge [data-payment-status]")).to_have_attribute(
        "data-payment-status", "paid"
    )
    document.refresh_from_db()
    assert document.paid_amount == Decimal("540.00")

    print("\n".join(walk.path))  # the walk, for docs/accessibility.md (pytest -s)
    assert not walk.unseen, "focus not visible on:\n" + "\n".join(walk.unseen)
