"""WCAG 2.1 AA, checked by axe-core: every page each role can reach, the portal a client sees and
the public pages (sign-in, password reset, sign-up, the error pages) have no violation at any
level: "critical", "serious", "moderate" or "minor". A rule that must stay broken on purpose goes
into `ACCEPTED` with its reason, and docs/accessibility.md says why.

The page list is the one the tenant walk builds from the URL configuration (a new page is
checked without anyone adding it here); its URL arguments come from each app's
`tests/factories.py:isolation_objects()`. A failure names the page, the rule and the element.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache

from tests.e2e.conftest import sign_in
from xfinances.core.tests.test_tenant_isolation import all_routes, fill, isolation_objects
from xfinances.invoicing.tests.factories import issued
from xfinances.portal.tests.factories import client_party

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("critical", "serious", "moderate", "minor")
#: (rule id, URL pattern) pairs accepted on purpose, each with its reason in docs/accessibility.md.
#: Empty: every violation axe reports fails the test.
ACCEPTED: tuple[tuple[str, re.Pattern[str]], ...] = ()
ROLES = ("owner", "accountant", "sales", "purchasing", "viewer")
PASSWORD = "Test-Parola-2026!"
# Answers that are files, redirects or actions, not pages a person reads.
NOT_PAGES = re.compile(r"(/pdf/|/xml/|/download|/export|\.csv|\.xlsx|/logout/|/tracking)")


def _axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _violations(axe: Any, page: Any, url: str) -> list[str]:
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        if any(rule == violation["id"] and where.search(url) for rule, where in ACCEPTED):
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            found.append(f"{url}: {violation['id']} ({violation['impact']}) at {target}")
    return found


def _check_pages(page: Any, base: str, urls: list[str]) -> tuple[list[str], int]:
    axe = _axe()
    problems: list[str] = []
    checked = 0
    for url in urls:
        # Ask first: a POST-only URL (405) or a file is not a page, and Chromium refuses to
        # navigate to an empty error answer.
        probe = page.request.get(base + url, max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        if b"<html" not in probe.body()[:500].lower():
            continue  # an HTMX fragment: checked inside the page that shows it
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
        checked += 1
        problems += _violations(axe, page, url)
    return problems, checked


def _company_pages(company: Any) -> list[str]:
    values = {**isolation_objects(company), "eik": company.eik, "area": "sales", "token_id": 0}
    urls = []
    for route in all_routes():
        if route.startswith(("api/", "portal/", "t/")):
            continue
        try:
            url = fill(route, values)
        except KeyError:
            continue  # the tenant walk fails on these; not this test's concern
        if not NOT_PAGES.search(url):
            urls.append(url)
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_passes_axe(page, live_server, company, make_member, role):
    cache.clear()  # the sign-in throttle
    user = make_member(company, role)
    urls = _company_pages(company)
    sign_in(page, live_server, user.email, PASSWORD)
    problems, checked = _check_pages(page, live_server.url, urls)
    assert checked >= 10, f"only {checked} pages answered for {role}: the walk found nothing"
    assert not problems, "\n".join(problems)


def test_portal_pages_pass_axe(page, live_server, company):
    cache.clear()
    party = client_party(company, "maria@klient.bg", name="Клиент Трейд АД")
    document = issued(company, party=party)
    mail.outbox.clear()
    axe = _axe()
    base = live_server.url
    page.goto(f"{base}/portal/{company.eik}/")
    problems = _violations(axe, page, "portal sign-in")
    page.fill("#id_email", "maria@klient.bg")
    page.click("#send-link")
    page.wait_for_selector("#link-sent")
    problems += _violations(axe, page, "portal link sent")
    link = re.search(r"https?://\S+/link/\S+/", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    page.goto(base + re.sub(r"^https?://[^/]+", "", link))
    problems += _violations(axe, page, "portal continue")
    page.click("#continue-sign-in")
    page.wait_for_selector("#portal-documents")
    problems += _violations(axe, page, "portal documents")
    page.goto(f"{base}/portal/{company.eik}/documents/{document.pk}/")
    problems += _violations(axe, page, "portal document")
    assert not problems, "\n".join(problems)


def test_public_pages_pass_axe(page, live_server, settings):
    settings.XFINANCES_ALLOW_SIGNUP = "true"  # the sign-up form, not its "closed" answer
    urls = ["/login/", "/password-reset/", "/signup/"]
    problems, checked = _check_pages(page, live_server.url, urls)
    assert checked == len(urls)
    # The error page a mistyped address shows (its status is 404, so the walk skips it).
    answer = page.goto(live_server.url + "/no-such-page/")
    assert answer is not None and answer.status == 404
    problems += _violations(_axe(), page, "404 page")
    assert not problems, "\n".join(problems)
