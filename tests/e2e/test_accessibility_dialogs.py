"""Dialogs and pop-ups keep the keyboard user's place (WCAG 2.1.2, 2.4.3).

The product has no custom modal: lasting actions ask with the browser's own confirm dialog
(`data-confirm`, static app.js), which is modal, keyboard-operable and returns the focus by
itself. What these tests hold: the confirm is that native dialog, Escape (dismiss) keeps the
page as it was with the focus on the button that asked; the client and product pop-ups and
Bootstrap's menus close on Escape and give the focus back to what opened them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from xfinances.core.models import User
from xfinances.notifications.models import Notification
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import PartyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-Parola-2026!"


def _tab_to(page: Any, selector: str, limit: int = 60) -> None:
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} not reached with {limit} × Tab")


@pytest.fixture
def owner_page(page, live_server, company, make_member):
    cache.clear()
    user = make_member(company, "owner")
    sign_in(page, live_server, user.email, PASSWORD)
    return page


def test_the_confirm_is_native_and_escape_keeps_focus_on_its_button(
    owner_page, live_server, company
):
    page = owner_page
    party = PartyFactory(company=company, name="Клиент Архив ООД")
    page.goto(f"{live_server.url}/c/{company.eik}/parties/{party.pk}/")
    archive = "form[data-confirm] button[type=submit]"
    _tab_to(page, archive)

    asked: list[str] = []

    def dismiss(dialog: Any) -> None:  # what Escape does to the browser's confirm
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.keyboard.press("Enter")
    expect(page.locator(archive)).to_be_focused()
    assert asked == ["confirm"]
    party.refresh_from_db()
    assert not party.is_archived

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Party.objects.get(pk=party.pk).is_archived


def test_escape_closes_the_client_popup_and_returns_to_the_search(owner_page, live_server, company):
    page = owner_page
    PartyFactory(company=company, name="Клиент Трейд АД")
    page.goto(f"{live_server.url}/c/{company.eik}/documents/new/")
    search = page.locator("#party-search")
    expect(search).to_be_focused()
    page.keyboard.type("клиент", delay=20)
    option = page.locator("#party-results [data-party-pick]")
    expect(option).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(option).to_be_focused()
    page.keyboard.press("Escape")
    expect(option).to_have_count(0)
    expect(search).to_be_focused()


def test_escape_closes_a_menu_and_returns_to_its_button(owner_page, live_server, company):
    page = owner_page
    page.goto(f"{live_server.url}/c/{company.eik}/")
    toggle = page.locator("#user-menu")
    _tab_to(page, "#user-menu")
    page.keyboard.press("Enter")
    menu = page.locator("#user-menu + .dropdown-menu")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(menu.locator(".dropdown-item").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()


def test_the_bell_keeps_the_focus_when_it_is_refreshed(owner_page, live_server, company):
    page = owner_page
    user = User.objects.get(email=f"owner-{company.eik}@example.bg")
    Notification.objects.create(company=company, user=user, kind="test", text="Платена фактура")
    page.goto(f"{live_server.url}/c/{company.eik}/")
    toggle = page.locator("#bell .dropdown-toggle")
    expect(toggle.locator("[data-unread]")).to_have_text("1")
    _tab_to(page, "#bell .dropdown-toggle")
    page.keyboard.press("Enter")
    mark_read = page.locator("#bell button.dropdown-item")
    for _ in range(10):  # ↓ through the menu to "Mark all read"
        page.keyboard.press("ArrowDown")
        if mark_read.evaluate("(el) => el === document.activeElement"):
            break
    page.keyboard.press("Enter")  # HTMX replaces the whole bell
    expect(toggle.locator("[data-unread]")).to_have_count(0)
    expect(toggle).to_be_focused()
