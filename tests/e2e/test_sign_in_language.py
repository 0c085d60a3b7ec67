"""A person signs in, sees Bulgarian, switches to English, and the choice sticks."""

import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_switch_language(page, live_server, company, make_member):
    user = make_member(company, "owner", email="maria@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    assert page.url.endswith(f"/c/{company.eik}/")
    assert page.locator("html").get_attribute("lang") == "bg"
    assert page.get_by_role("link", name="Табло").is_visible()

    page.click("#switch-language")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Dashboard").is_visible()

    page.goto(f"{live_server.url}/c/{company.eik}/members/")
    assert page.get_by_role("heading", name="Users and roles").is_visible()


def test_phone_width_collapses_navigation(browser, live_server, company, make_member):
    user = make_member(company, "viewer", email="phone@example.bg")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="bg-BG")
    page = context.new_page()
    try:
        sign_in(page, live_server, user.email, "Test-Parola-2026!")
        toggler = page.locator(".navbar-toggler")
        assert toggler.is_visible()
        assert not page.locator("#nav").is_visible()
        toggler.click()
        page.locator("#nav").wait_for(state="visible")
        assert page.locator("#nav").is_visible()
    finally:
        context.close()
