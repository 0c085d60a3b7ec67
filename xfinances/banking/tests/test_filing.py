"""Filing a waiting bank line under a category from the review queue, and learning a rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, BankRule, MatchState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_rules import category, import_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.treasury.models import Movement

LANDLORD = "BG18RZBB91550123456789"
DAY = dt.date(2026, 11, 2)


def _waiting(company: Any) -> list[BankEntry]:
    """Import three rent payments and one other line; all wait for a person."""
    import_rows(
        company,
        [
            Row(DAY, Decimal("-800.00"), "Имоти Наем ООД", LANDLORD, "наем офис ноември"),
            Row(DAY, Decimal("-800.00"), "Имоти Наем ООД", LANDLORD, "наем склад ноември"),
            Row(DAY, Decimal("-120.00"), "Друг ЕООД", "BG80BNBG96611020345678", "услуга"),
            Row(DAY, Decimal("800.00"), "Имоти Наем ООД", LANDLORD, "връщане на депозит"),
        ],
    )
    entries = list(BankEntry.objects.filter(company=company).order_by("pk"))
    BankEntry.objects.filter(company=company).update(match_state=MatchState.REVIEW)
    for entry in entries:
        entry.refresh_from_db()
    return entries


@pytest.mark.django_db
def test_filing_with_remember_learns_a_rule_and_files_the_lines_it_fits(company: Any) -> None:
    office, store, other, refund = _waiting(company)
    rent = category(company, "rent")

    filed = actions.file_entry(
        SYSTEM, office, actions.FileEntryInput.read({"category": rent.pk, "remember": "1"})
    )

    assert filed.rule is not None and filed.also_filed == 1  # the store's rent, same payee
    rule = filed.rule
    assert (rule.counterparty_iban, rule.direction, rule.category_id) == (
        LANDLORD,
        "debit",
        rent.pk,
    )
    states = dict(BankEntry.objects.filter(company=company).values_list("pk", "match_state"))
    assert states[office.pk] == states[store.pk] == MatchState.NONE
    assert states[other.pk] == states[refund.pk] == MatchState.REVIEW  # another payee; money in
    assert {
        m.category_id
        for m in Movement.objects.filter(pk__in=[office.movement_id, store.movement_id])
    } == {rent.pk}
    assert AuditEntry.objects.filter(company=company, action="learn_bank_rule").count() == 1
    # The next such line is filed as it is imported, without the queue.
    import_rows(
        company,
        [Row(DAY + dt.timedelta(days=30), Decimal("-800.00"), "Имоти Наем ООД", LANDLORD, "наем")],
        iban=office.account.iban,
    )
    latest = BankEntry.objects.filter(company=company).latest("pk")
    assert latest.match_state == MatchState.NONE and latest.rule_id == rule.pk
    # Learning the same again makes no second rule.
    again = actions.file_entry(
        SYSTEM, refund, actions.FileEntryInput.read({"category": rent.pk, "remember": True})
    )
    assert again.rule is not None and again.rule.pk != rule.pk  # money in is another rule
    assert BankRule.objects.filter(company=company, counterparty_iban=LANDLORD).count() == 2


@pytest.mark.django_db
def test_filing_without_remember_and_refusals(company: Any) -> None:
    office, _store, other, _refund = _waiting(company)
    rules_before = BankRule.objects.filter(company=company).count()
    fees = category(company, "bank_fees")
    actions.file_entry(SYSTEM, other, actions.FileEntryInput.read({"category": fees.pk}))
    assert BankRule.objects.filter(company=company).count() == rules_before
    other.refresh_from_db()
    assert other.match_state == MatchState.NONE
    with pytest.raises(InvalidInput) as error:
        actions.file_entry(SYSTEM, other, actions.FileEntryInput.read({"category": fees.pk}))
    assert "entry" in error.value.errors  # no longer waiting
    with pytest.raises(InvalidInput) as error:
        actions.file_entry(SYSTEM, office, actions.FileEntryInput.read({"category": "999999"}))
    assert "category" in error.value.errors
    office.refresh_from_db()
    assert office.match_state == MatchState.REVIEW


@pytest.mark.django_db
def test_review_page_and_api_file_a_line(company: Any, client_as: Any, api_as: Any) -> None:
    office, store, other, _refund = _waiting(company)
    rent = category(company, "rent")
    client = client_as(company, "owner")
    page = client.get(reverse("banking:review", args=[company.eik])).content.decode()
    url = reverse("banking:file_entry", args=[company.eik, office.pk])
    assert url in page
    answer = client.post(url, {"category": rent.pk, "remember": "1"}, follow=True)
    assert "Имоти Наем ООД" in answer.content.decode()  # named in the rule's message
    store.refresh_from_db()
    assert store.match_state == MatchState.NONE

    api = api_as(company, "accountant", choose=True)
    fees = category(company, "bank_fees")
    body = api.post(f"/banking/entries/{other.pk}/file", {"category_id": fees.pk}).json()
    assert body["entry"]["match_state"] == MatchState.NONE and body["rule_id"] is None
    viewer = api_as(company, "viewer", choose=True)
    assert (
        viewer.post(f"/banking/entries/{other.pk}/file", {"category_id": fees.pk}).status_code
        == 403
    )
