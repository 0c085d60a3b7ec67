"""What the review queue learned is shown, and a wrong alias can be forgotten (page and API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchProposal, PartyAlias
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

D1 = dt.date(2026, 11, 2)
PAYER_IBAN = "BG18RZBB91550123456789"


def _learned(company: Any) -> Any:
    """A confirmation in the review queue teaches the payer's IBAN and name (half paid: a
    person confirms)."""
    bank_account(company, name="ББР", iban=IBAN)
    client = bg_client(company, name="Бета Трейд ЕООД")
    document = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=3))
    run(
        company,
        camt_file(
            [Row(D1, Decimal("50.00"), "BETA TRADE", PAYER_IBAN, f"ф-ра {int(document.number)}")]
        ),
    )
    entry = BankEntry.objects.get(company=company)
    proposal = MatchProposal.objects.filter(entry=entry).order_by("rank").first()
    if proposal is None:  # nothing proposed: match it by hand, which teaches as well
        actions.match_by_hand(SYSTEM, entry, client, [(document.pk, Decimal("50.00"))])
    else:
        actions.accept(SYSTEM, proposal)
    assert PartyAlias.objects.filter(company=company, party=client).count() == 2
    return client


def test_the_page_lists_what_was_learned_and_forgets_one(company: Any, client_as: Any) -> None:
    client = _learned(company)
    browser = client_as(company, "owner")
    url = reverse("banking:aliases", args=[company.eik])
    page = browser.get(url)
    text = page.content.decode()
    assert "Бета Трейд ЕООД" in text and PAYER_IBAN in text and "Научени платци" in text
    phrases, words = english_texts()
    assert not problems_on_page("aliases", page, phrases, words, whole_page=True)
    iban = PartyAlias.objects.get(company=company, kind="iban")
    viewer = client_as(company, "viewer")
    refused = viewer.post(reverse("banking:alias_forget", args=[company.eik, iban.pk]))
    assert refused.status_code == 403 and PartyAlias.objects.filter(pk=iban.pk).exists()
    browser = client_as(company, "owner")
    done = browser.post(
        reverse("banking:alias_forget", args=[company.eik, iban.pk]),
        {"reason": "общ акаунт"},
        follow=True,
    )
    assert "Забравено" in done.content.decode()
    assert not PartyAlias.objects.filter(pk=iban.pk).exists()
    assert AuditEntry.objects.get(action="forget_alias").reason == "общ акаунт"
    assert PartyAlias.objects.filter(company=company, party=client).count() == 1


def test_api_lists_and_forgets(company: Any, api_as: Any) -> None:
    client = _learned(company)
    api = api_as(company)
    listed = api.get("/banking/aliases").json()
    assert {a["kind"] for a in listed} == {"iban", "name"}
    assert {a["party_id"] for a in listed} == {client.pk}
    viewer = api_as(company, role="viewer")
    assert viewer.delete(f"/banking/aliases/{listed[0]['id']}").status_code == 403
    assert api.delete(f"/banking/aliases/{listed[0]['id']}").status_code == 204
    assert api.delete(f"/banking/aliases/{listed[0]['id']}").status_code == 404
    assert len(api.get("/banking/aliases").json()) == 1
