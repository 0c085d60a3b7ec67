"""A long statement, many statements and a long review queue are paged, never cut silently;
the dashboard says how many lines wait and which statement sources need a look."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xfinances.banking import views
from xfinances.banking.models import BankConnection, BankEntry, MatchState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core import formatting
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.tests.factories import bank_account, movement_input

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
    # A movement's page links its line: the statement opens on the page that shows it.
    ninth = BankEntry.objects.get(company=company, counterparty_name="Платец 9")
    movement_page = client.get(
        reverse("treasury:movement", args=[eik, ninth.movement_id])
    ).content.decode()
    link = f"{url}?entry={ninth.pk}#line-{ninth.pk}"
    assert link in movement_page and "Банков ред от 02.11.2026, 9,00" in movement_page
    assert "/reverse/" not in movement_page  # the bank's money is not reversed by hand
    shown = client.get(f"{url}?entry={ninth.pk}").content.decode()
    assert "Страница 3 от 3" in shown and f'id="line-{ninth.pk}" class="table-warning"' in shown
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


def test_dashboard_card_counts_what_waits_and_names_sources_in_trouble(
    company: Any, client_as: Any
) -> None:
    client = client_as(company, "owner")
    dashboard = reverse("dashboard", args=[company.eik])
    assert "bank-review-card" not in client.get(dashboard).content.decode()  # no e-banking yet

    account = bank_account(company, name="ББР", iban=IBAN)
    treasury_actions.create_movement(
        SYSTEM, account, movement_input(date=D1, direction="in", amount="1.00")
    )
    treasury_actions.create_movement(
        SYSTEM, account, movement_input(date=D1, direction="in", amount="1.00")
    )
    rows = [Row(D1, Decimal("1.00"), "А", "", "а"), Row(D1, Decimal("2.00"), "Б", "", "б")]
    run(company, camt_file(rows))
    BankEntry.objects.filter(company=company).update(match_state=MatchState.REVIEW)
    today = timezone.localdate()
    BankConnection.objects.create(
        company=company, name="Банка Едно", base_url="https://127.0.0.1:1/", status="failed"
    )
    BankConnection.objects.create(
        company=company,
        name="Банка Две",
        base_url="https://127.0.0.1:1/",
        status="ok",
        consent_valid_until=today + dt.timedelta(days=5),
    )
    BankConnection.objects.create(
        company=company,
        name="Банка Три",
        base_url="https://127.0.0.1:1/",
        status="ok",
        consent_valid_until=today + dt.timedelta(days=60),
    )
    page = client.get(dashboard).content.decode()
    assert '<div class="fs-3" id="bank-review">2</div>' in page
    assert "1 може би е плащане, въведено на ръка" in page
    assert "Банкови данни до 02.11.2026" in page
    assert "Банка Едно</strong>: неуспешно" in page
    assert (
        f"Банка Две</strong>: съгласието изтича на {formatting.date(today + dt.timedelta(days=5))}"
        in page
    )
    assert "Банка Три" not in page
    phrases, words = english_texts()
    assert not problems_on_page("dashboard", client.get(dashboard), phrases, words, whole_page=True)
    # A role that may not see payments sees no bank lines either.
    assert (
        "bank-review-card" not in client_as(company, "purchasing").get(dashboard).content.decode()
    )
