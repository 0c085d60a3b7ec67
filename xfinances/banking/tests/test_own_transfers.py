"""Money between the company's own accounts: two statement lines become one treasury transfer."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchState
from xfinances.banking.sample_files import Row, camt053
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry, Source
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.models import MoneyAccount, Movement, Transfer
from xfinances.treasury.tests.factories import bank_account

SYSTEM = Actor.system(Source.CLI)
MAIN = "BG80BNBG96611020345678"
SAVINGS = "BG18RZBB91550123456789"
D1, D2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def statement(iban: str, rows: list[Row], statement_id: str) -> io.BytesIO:
    out = io.BytesIO()
    camt053(
        out,
        iban=iban,
        rows=rows,
        opening=Decimal("1000.00"),
        date_from=min(r.day for r in rows),
        date_to=max(r.day for r in rows),
        statement_id=statement_id,
    )
    out.seek(0)
    return out


def run(company: Any, data: io.BytesIO) -> actions.ImportSummary:
    return actions.import_statement(SYSTEM, company, data, file_name="s.xml")


@pytest.fixture
def accounts(company: Any) -> tuple[MoneyAccount, MoneyAccount]:
    return (
        bank_account(company, name="Разплащателна", iban=MAIN),
        bank_account(company, name="Спестовна", iban=SAVINGS),
    )


def _out_of_main(amount: str = "-500.00", day: dt.date = D1) -> Row:
    return Row(day, Decimal(amount), "Фирма ЕООД", SAVINGS, "прехвърляне", bank_id="M-1")


def _into_savings(amount: str = "500.00", day: dt.date = D2) -> Row:
    return Row(day, Decimal(amount), "Фирма ЕООД", MAIN, "прехвърляне", bank_id="S-1")


@pytest.mark.django_db
def test_both_sides_imported_become_one_transfer(company: Any, accounts: Any) -> None:
    main, savings = accounts
    run(company, statement(MAIN, [_out_of_main()], "M"))
    assert not Transfer.objects.filter(company=company).exists()  # the other side is not in yet
    sent = Movement.objects.get(company=company, account=main)
    assert sent.category is not None and sent.category.code == "internal"

    run(company, statement(SAVINGS, [_into_savings()], "S"))

    transfer = Transfer.objects.get(company=company)
    assert (transfer.from_account_id, transfer.to_account_id) == (main.pk, savings.pk)
    assert transfer.amount_from == transfer.amount_to == Decimal("500.00")
    legs = Movement.objects.filter(company=company, transfer=transfer)
    assert sorted(m.amount for m in legs) == [Decimal("-500.00"), Decimal("500.00")]
    assert {m.category.code for m in legs if m.category} == {"internal"}
    assert set(BankEntry.objects.values_list("match_state", flat=True)) == {MatchState.NONE}
    # Balances are what the banks reported: nothing was posted twice.
    balances = treasury_queries.own_balances(company, D2, {main.pk, savings.pk})
    assert balances[main.pk] - balances[savings.pk] == Decimal("-1000.00")
    assert AuditEntry.objects.filter(company=company, action="pair_transfer").count() == 3


@pytest.mark.django_db
def test_receiving_side_first_pairs_too_and_reimport_adds_nothing(
    company: Any, accounts: Any
) -> None:
    run(company, statement(SAVINGS, [_into_savings()], "S"))
    run(company, statement(MAIN, [_out_of_main()], "M"))
    assert Transfer.objects.filter(company=company).count() == 1
    run(company, statement(MAIN, [_out_of_main()], "M"))
    actions.match_entries(SYSTEM, company)
    assert Transfer.objects.filter(company=company).count() == 1


@pytest.mark.django_db
def test_different_amounts_or_far_apart_stay_apart(company: Any, accounts: Any) -> None:
    run(company, statement(MAIN, [_out_of_main("-500.00")], "M"))
    run(company, statement(SAVINGS, [_into_savings("499.00")], "S"))
    far = Row(dt.date(2026, 11, 20), Decimal("500.00"), "Фирма", MAIN, "x", bank_id="S-2")
    run(company, statement(SAVINGS, [far], "S2"))
    assert not Transfer.objects.filter(company=company).exists()
    # Each side is still money between own accounts, not income or an expense.
    codes = {m.category.code for m in Movement.objects.filter(company=company) if m.category}
    assert codes == {"internal"}


@pytest.mark.django_db
def test_a_persons_category_stays(company: Any, accounts: Any) -> None:
    main, _savings = accounts
    run(company, statement(MAIN, [_out_of_main()], "M"))
    sent = Movement.objects.get(company=company, account=main)
    other = treasury_queries.categories(company).exclude(code="internal").first()
    assert other is not None
    treasury_actions.update_movement(
        SYSTEM, sent, treasury_actions.MovementEditInput.changes(category=other.pk)
    )
    run(company, statement(SAVINGS, [_into_savings()], "S"))
    sent.refresh_from_db()
    assert sent.transfer is not None and sent.category_id == other.pk


@pytest.mark.django_db
def test_pair_transfer_refuses_what_is_not_one_transfer(company: Any, accounts: Any) -> None:
    main, savings = accounts
    run(company, statement(MAIN, [_out_of_main()], "M"))
    run(company, statement(SAVINGS, [_into_savings("499.00")], "S"))
    sent = Movement.objects.get(company=company, account=main)
    received = Movement.objects.get(company=company, account=savings)
    with pytest.raises(InvalidInput) as error:
        treasury_actions.pair_transfer(
            SYSTEM,
            company,
            treasury_actions.TransferPairInput(sent=received, received=sent),
        )
    assert set(error.value.errors) == {"sent", "received"}
    with pytest.raises(InvalidInput):
        treasury_actions.pair_transfer(
            SYSTEM, company, treasury_actions.TransferPairInput(sent=sent, received=received)
        )
    assert not Transfer.objects.filter(company=company).exists()
    sent.refresh_from_db()
    assert sent.transfer_id is None
