"""Matching a bank line by hand from the review queue: another party or other documents than
proposed, or the line split over several, the rest the party's credit; undone exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from xfinances.banking import actions, queries, views
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, PartyAlias, ProposalState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core.exceptions import InvalidInput
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments.models import Allocation, Payment
from xfinances.payments.tests.factories import invoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier
from xfinances.treasury.tests.factories import bank_account

D1 = dt.date(2026, 11, 2)
NB = "\u00a0"


def _line(company: Any, amount: str, name: str = "НЕПОЗНАТ ПЛАТЕЦ") -> BankEntry:
    bank_account(company, name="ББР", iban=IBAN)
    iban = "BG18RZBB91550123456789"
    run(company, camt_file([Row(D1, Decimal(amount), name, iban, "плащане", bank_id="B-1")]))
    entry = BankEntry.objects.get(company=company)
    entry.match_state = MatchState.REVIEW
    entry.save(update_fields=["match_state"])
    return entry


def test_a_line_split_over_two_invoices_and_undone(company: Any) -> None:
    client = bg_client(company)
    first = invoice(company, client, price="1000.00", day=D1 - dt.timedelta(days=30))
    second = invoice(company, client, price="800.00", day=D1 - dt.timedelta(days=20))
    entry = _line(company, "1500.00")
    proposal = actions.match_by_hand(
        SYSTEM, entry, client, [(first.pk, Decimal("1000.00")), (second.pk, Decimal("500.00"))]
    )
    entry.refresh_from_db()
    assert entry.match_state == MatchState.CONFIRMED and proposal.state == ProposalState.APPLIED
    assert proposal.reasons == [["by_hand", {}]]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outstanding_amount, second.outstanding_amount) == (Decimal(0), Decimal("300.00"))
    payment = Payment.objects.get(pk=entry.payment_id)
    assert payment.party_id == client.pk and payment.movement_id == entry.movement_id
    assert PartyAlias.objects.filter(company=company, party=client).count() == 2  # learned
    actions.undo(SYSTEM, proposal, reason="грешен клиент")
    assert not Allocation.objects.filter(payment=payment, undone_at__isnull=True).exists()
    entry.refresh_from_db()
    assert entry.match_state == MatchState.REVIEW


def test_what_is_not_allocated_stays_the_partys_credit(company: Any) -> None:
    client = bg_client(company)
    document = invoice(company, client, price="200.00", day=D1 - dt.timedelta(days=3))
    entry = _line(company, "300.00")
    actions.match_by_hand(SYSTEM, entry, client, [(document.pk, Decimal("200.00"))])
    payment = Payment.objects.get(pk=BankEntry.objects.get(pk=entry.pk).payment_id)
    assert payment.unallocated == Decimal("100.00")


def test_money_out_is_split_over_supplier_invoices(company: Any) -> None:
    supplier = make_supplier(company)
    one = make_invoice(company, "0000000101", issue_date=D1 - dt.timedelta(days=9), due_date=D1)
    two = make_invoice(company, "0000000102", issue_date=D1 - dt.timedelta(days=8), due_date=D1)
    entry = _line(company, "-200.00", name=supplier.name)
    actions.match_by_hand(
        SYSTEM, entry, supplier, [(one.pk, Decimal("120.00")), (two.pk, Decimal("80.00"))]
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.remaining, two.remaining) == (Decimal("0.00"), Decimal("40.00"))


@pytest.mark.parametrize("case", ["too much in all", "other party", "over its open", "zero"])
def test_refusals_change_nothing(company: Any, case: str) -> None:
    client, other = bg_client(company), bg_client(company)
    document = invoice(company, client, price="200.00", day=D1 - dt.timedelta(days=3))
    foreign = invoice(company, other, price="50.00", day=D1 - dt.timedelta(days=3))
    entry = _line(company, "150.00")
    wanted = {
        "too much in all": [(document.pk, Decimal("160.00"))],
        "other party": [(foreign.pk, Decimal("50.00"))],
        "over its open": [(document.pk, Decimal("120.00")), (document.pk, Decimal("30.00"))],
        "zero": [(document.pk, Decimal("0"))],
    }[case]
    with pytest.raises(InvalidInput):
        actions.match_by_hand(SYSTEM, entry, client, wanted)
    entry.refresh_from_db()
    assert entry.match_state == MatchState.REVIEW and entry.payment_id is None
    assert not Payment.objects.filter(company=company).exists()
    assert not MatchProposal.objects.filter(entry=entry, reasons=[["by_hand", {}]]).exists()


def test_the_page_prefills_oldest_first_and_matches(company: Any, client_as: Any) -> None:
    client = bg_client(company, name="Алфа Клиент ООД")
    first = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=30))
    second = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=20))
    entry = _line(company, "150.00")
    browser = client_as(company, "owner")
    queue = browser.get(reverse("banking:review", args=[company.eik])).content.decode()
    url = reverse("banking:match_by_hand", args=[company.eik, entry.pk])
    assert url in queue
    page = browser.get(f"{url}?party={client.pk}")
    text = page.content.decode()
    assert f'name="amount_{first.pk}" value="100.00"' in text
    assert f'name="amount_{second.pk}" value="50.00"' in text
    phrases, words = english_texts()
    assert not problems_on_page("match by hand", page, phrases, words, whole_page=True)
    wrong = browser.post(url, {"party": client.pk, f"amount_{first.pk}": "сто"}, follow=True)
    assert "Въведете число" in wrong.content.decode()
    done = browser.post(
        url, {"party": client.pk, f"amount_{first.pk}": "100,00", f"amount_{second.pk}": "50"}
    )
    assert done.status_code == 302
    second.refresh_from_db()
    assert second.outstanding_amount == Decimal("50.00")


def test_api_matches_by_hand_with_roles(company: Any, api_as: Any) -> None:
    client = bg_client(company)
    document = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=3))
    entry = _line(company, "100.00")
    body = {"party_id": client.pk, "allocations": [{"id": document.pk, "amount": "100.00"}]}
    viewer = api_as(company, role="viewer")
    assert viewer.post(f"/banking/entries/{entry.pk}/match", body).status_code == 403
    api = api_as(company)
    bad = api.post(
        f"/banking/entries/{entry.pk}/match", {**body, "allocations": [{"id": 1, "amount": "x"}]}
    )
    assert bad.status_code == 422 and "allocations" in bad.json()["errors"]
    answer = api.post(f"/banking/entries/{entry.pk}/match", body)
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "applied"
    again = api.post(f"/banking/entries/{entry.pk}/match", body)
    assert again.status_code == 409


def test_the_page_prefills_what_the_best_candidate_of_the_party_reads(
    company: Any, client_as: Any
) -> None:
    """The payer named the newer invoice: the form offers the amount there, not on the oldest."""
    client = bg_client(company)
    older = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=30))
    named = invoice(company, client, price="100.00", day=D1 - dt.timedelta(days=20))
    bank_account(company, name="ББР", iban=IBAN)
    text = f"аванс по ф-ра {int(named.number)}"
    run(company, camt_file([Row(D1, Decimal("40.00"), client.name, "", text, bank_id="B-1")]))
    entry = BankEntry.objects.get(company=company)
    assert MatchProposal.objects.filter(entry=entry, party=client).exists()
    url = reverse("banking:match_by_hand", args=[company.eik, entry.pk])
    page = client_as(company, "owner").get(url).content.decode()
    assert f'name="amount_{named.pk}" value="40.00"' in page
    assert f'name="amount_{older.pk}" value=""' in page


def test_many_parties_are_found_by_search_and_nothing_is_cut_silently(
    company: Any, client_as: Any, monkeypatch: Any
) -> None:
    """The page listed the first 1,000 parties by name and no more: with 50,000 the payer could
    be missing, unsaid. Past a small company the list is found by name, ЕИК or VAT number,
    says how many more match, and a party's open documents past the shown say so too."""
    monkeypatch.setattr(views, "PARTIES_AT_ONCE", 2)
    monkeypatch.setattr(queries, "HAND_DOCUMENTS", 1)
    names = ["Бета Строй ООД", "Бета Трейд ООД", "Бета Логистик ЕООД", "Гама АД"]
    parties = [bg_client(company, name=name) for name in names]
    for day in (30, 20):
        invoice(company, parties[3], price="100.00", day=D1 - dt.timedelta(days=day))
    entry = _line(company, "150.00")
    browser = client_as(company, "owner")
    url = reverse("banking:match_by_hand", args=[company.eik, entry.pk])
    unsearched = browser.get(url).content.decode()
    assert not any(f'<option value="{p.pk}"' in unsearched for p in parties)
    assert "Намерете контрагента по име, ЕИК или ДДС номер." in unsearched
    found = browser.get(url, {"q": "бета"})
    text = found.content.decode()
    assert sum(f'<option value="{p.pk}"' in text for p in parties[:3]) == 2
    assert 'id="by-hand-more"' in text and "Още 1 контрагент" in text
    assert f'<option value="{parties[3].pk}"' not in text
    phrases, words = english_texts()
    assert not problems_on_page("match by hand", found, phrases, words, whole_page=True)
    by_eik = browser.get(url, {"q": parties[3].eik}).content.decode()
    assert f'<option value="{parties[3].pk}"' in by_eik and 'id="by-hand-more"' not in by_eik
    chosen = browser.get(url, {"party": parties[3].pk}).content.decode()
    assert f'<option value="{parties[3].pk}" selected' in chosen
    assert 'id="by-hand-hidden"' in chosen and "1 по-нов не е показан" in chosen
