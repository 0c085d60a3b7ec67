"""A sales person signs in, switches to English, creates a client, sees a refused ЕИК first."""

import pytest

from tests.e2e.conftest import sign_in
from xfinances.parties.models import Party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_client_in_the_browser(page, live_server, company, make_member):
    user = make_member(company, "sales", email="elena@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.click("#switch-language")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/c/{company.eik}/parties/")
    page.keyboard.press("Alt+n")  # the keyboard shortcut opens "New party"
    page.wait_for_url(f"**/c/{company.eik}/parties/new/")

    page.fill("input[name=name]", "„Техномаркет България“ ЕАД")
    page.fill("input[name=eik]", "131468981")  # wrong check digit
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "check digit" in page.content()
    assert not Party.objects.filter(company=company).exists()

    page.fill("input[name=eik]", "131468980")
    page.fill("input[name=city]", "София")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")

    party = Party.objects.get(company=company)
    assert party.name == "„Техномаркет България“ ЕАД" and party.eik == "131468980"
    assert page.url.endswith(f"/c/{company.eik}/parties/{party.pk}/")
    assert page.get_by_role("heading", name="„Техномаркет България“ ЕАД").is_visible()
