"""A long statement, many statements and a long review queue are paged, never cut silently."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse

from xfinances.banking import views
from xfinances.banking.models import BankEntry, MatchState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.treasury.tests.factories import bank_account

D1 = dt.date(2026, 11, 2)


def test_a_long_statement_and_its_entries_are_paged(
    company: Any, client_as: Any, api_as: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "ENTRIES_PER_PAGE", 4)
    monkeypatch.setattr(views, "STATEMENTS_PER_PAGE", 2)
    monkeypatch.setattr(views, "REVIEW_AT_ONCE", 3)
    account = bank_account(company, name="ББР", iban=IBAN)
    rows = [Row(D1, Decimal(f"{n}.00"), f"Платец {n}", "", f"превод {n}") for n in range(1, 11)]
    run(company, camt_file(rows))
    for n in range(2, 4):  # two more statements, one a day
        day = D1 + dt.timedelta(days=n)
        more = [Row(day, Decimal("1.00"), "Друг", "", f"ден {n}")]
        run(company, camt_file(more, day_from=day, statement_id=f"S{n}", opening="0"))
    client = client_as(company, "owner")
    eik = company.eik
    statement = BankEntry.objects.filter(company=company).order_by("pk").first().statement
    url = reverse("banking:statement", args=[eik, statement.pk])
    first = client.get(url).content.decode()
    assert first.count("Платец ") == 4 and "Страница 1 от 3" in first
    last = client.get(url + "?page=3").content.decode()
    assert last.count("Платец ") == 2
    # Every entry of the statement is on one of its pages.
    seen = {
        n
        for page in (1, 2, 3)
        for n in range(1, 11)
        if f"Платец {n}<" in client.get(f"{url}?page={page}").content.decode()
    }
    assert seen == set(range(1, 11))
    listing = reverse("banking:statements", args=[eik])
    page = client.get(f"{listing}?account={account.pk}").content.decode()
    assert "Страница 1 от 2" in page and f"?account={account.pk}&page=2" in page
    api = api_as(company)
    newest, older = (
        api.get(f"/banking/accounts/{account.pk}/statements", offset=o, limit=2).json()
        for o in (0, 2)
    )
    assert [s["bank_statement_id"] for s in newest + older] == ["S3", "S2", "S1"]

    BankEntry.objects.filter(company=company).update(match_state=MatchState.REVIEW)
    queue = client.get(reverse("banking:review", args=[eik])).content.decode()
    assert queue.count('class="card mb-2 review-item"') == 3
    assert "Показани са най-старите 3 от 12 чакащи реда" in queue
    listed = api.get("/banking/review", offset=10, limit=5).json()
    assert len(listed) == 2
