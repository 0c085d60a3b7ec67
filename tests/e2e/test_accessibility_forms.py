"""Form errors reach a screen reader (WCAG 3.3.1, 1.3.1, 4.1.3): each form is sent with wrong input
and every visible error message must be tied to its field — the message has an id, a field names
it in `aria-describedby` and says `aria-invalid="true"` — and a form-level error summary is
announced (`role="alert"`) or holds the focus. The walk collects every unlinked message on every
form before failing, so one report names them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-Parola-2026!"

# Runs in the page: what a screen reader would miss. A message counts when it is shown (has a
# box) and has text; a field "carries" it when its aria-describedby lists the message's id.
AUDIT_JS = """() => {
  const shown = (el) => el.getClientRects().length > 0 && el.textContent.trim() !== "";
  const name = (el) => (el.id ? "#" + el.id : el.tagName.toLowerCase() + "." +
      Array.from(el.classList).join(".")) + " «" + el.textContent.trim().slice(0, 60) + "»";
  const problems = [];
  let messages = 0;
  for (const el of document.querySelectorAll("main .invalid-feedback, main [data-field-error]")) {
    if (!shown(el)) continue;
    messages += 1;
    if (!el.id) { problems.push("error without an id: " + name(el)); continue; }
    const fields = Array.from(document.querySelectorAll("[aria-describedby]")).filter(
      (f) => f.getAttribute("aria-describedby").split(/\\s+/).includes(el.id));
    if (!fields.length) { problems.push("no field's aria-describedby names " + name(el)); continue; }
    if (!fields.some((f) => f.getAttribute("aria-invalid") === "true" || f.tagName === "FIELDSET")) {
      problems.push("the field described by " + name(el) + " lacks aria-invalid=true");
    }
  }
  for (const el of document.querySelectorAll("main .alert-danger")) {
    if (!shown(el)) continue;
    messages += 1;
    const announced = el.closest("[role=alert]") || el === document.activeElement;
    if (!announced) problems.push("error summary neither role=alert nor focused: " + name(el));
  }
  for (const el of document.querySelectorAll("main [aria-invalid=true]")) {
    for (const id of (el.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push("aria-describedby names a missing #" + id);
    }
  }
  return {problems, messages};
}"""


def _audit(page: Any, form: str) -> list[str]:
    result = page.evaluate(AUDIT_JS)
    if not result["messages"]:
        return [f"{form}: no error message shown — the walk did not reach an invalid form"]
    return [f"{form}: {problem}" for problem in result["problems"]]


def _submit(page: Any, button: str = "main form[method=post] [type=submit]") -> None:
    page.locator(button).first.click()
    page.wait_for_load_state("networkidle")


def _invoice_with_bad_line(page: Any) -> None:
    row = page.locator("#lines tr.line-row").first
    row.locator("[name=line_description]").fill("Консултация")
    row.locator("[name=line_quantity]").fill("много")
    row.locator("[name=line_unit_price]").fill("-x")
    _submit(page, "[data-save]")


def test_every_form_links_its_errors_to_its_fields(page, live_server, company, make_member):
    cache.clear()  # the sign-in throttle
    base = live_server.url
    problems: list[str] = []

    page.goto(f"{base}/login/")
    _submit(page, "#sign-in")
    problems += _audit(page, "sign-in, empty")
    page.fill("input[name=username]", "nobody@example.bg")
    page.fill("input[name=password]", "wrong")
    _submit(page, "#sign-in")
    problems += _audit(page, "sign-in, wrong password")

    page.goto(f"{base}/password-reset/")
    page.fill("input[name=email]", "not-an-address")
    _submit(page)
    problems += _audit(page, "password reset")

    page.goto(f"{base}/portal/{company.eik}/")
    page.fill("#id_email", "not-an-address")
    _submit(page, "#send-link")
    problems += _audit(page, "portal sign-in")

    user = make_member(company, "owner")
    sign_in(page, live_server, user.email, PASSWORD)
    eik = company.eik
    staff: list[tuple[str, str, Callable[[Any], None]]] = [
        ("new party", f"/c/{eik}/parties/new/", lambda p: _submit(p)),
        ("new invoice, empty", f"/c/{eik}/documents/new/", lambda p: _submit(p, "[data-save]")),
        ("new invoice, bad line", f"/c/{eik}/documents/new/", _invoice_with_bad_line),
        ("new product", f"/c/{eik}/catalog/new/", lambda p: _submit(p)),
        ("new money account", f"/c/{eik}/treasury/accounts/new/", lambda p: _submit(p)),
        ("new supplier invoice", f"/c/{eik}/purchases/new/", lambda p: _submit(p)),
    ]
    for name, url, send in staff:
        page.goto(base + url)
        send(page)
        problems += _audit(page, name)
    assert not problems, "\n".join(problems)


def test_sign_up_errors_are_linked(page, live_server, settings):
    settings.XFINANCES_ALLOW_SIGNUP = "on"
    page.goto(f"{live_server.url}/signup/")
    _submit(page, "#sign-up")
    problems = _audit(page, "sign-up")
    assert not problems, "\n".join(problems)


def test_a_form_with_errors_puts_the_focus_on_the_first_invalid_field(
    page, live_server, company, make_member
):
    cache.clear()
    user = make_member(company, "owner")
    sign_in(page, live_server, user.email, PASSWORD)
    page.goto(f"{live_server.url}/c/{company.eik}/parties/new/")
    _submit(page)
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("aria-invalid", "true")
    described = focused.get_attribute("aria-describedby") or ""
    assert described, "the focused invalid field names no error"
    message = page.locator(f"#{described.split()[-1]}")
    expect(message).to_be_visible()

    # A refusal without a field (wrong password) focuses the announced summary instead.
    cache.clear()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "wrong")
    _submit(page, "#sign-in")
    expect(page.locator(":focus")).to_have_attribute("role", "alert")
