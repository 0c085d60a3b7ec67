"""Importing statements: idempotent, atomic, balance-checked, into treasury and payments."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from xfinances.banking import actions
from xfinances.banking.actions import importing
from xfinances.banking.models import (
    BankEntry,
    MatchProposal,
    MatchState,
    PartyAlias,
    ProposalState,
    Statement,
    StatementImport,
)
from xfinances.banking.sample_files import Row, camt053, mt940
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import foreign_keys_checked_now, insert_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Source
from xfinances.parties.models import PartyBankAccount
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation, Payment
from xfinances.payments.tests.factories import invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.models import MoneyAccount, Movement, MovementSource
from xfinances.treasury.tests.factories import bank_account, movement_input

SYSTEM = Actor.system(Source.CLI)
IBAN = "BG80BNBG96611020345678"
D1, D2, D3 = dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)
FIXTURES = Path("/work/shared/fixtures/camt")
if not FIXTURES.is_dir():
    FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "camt"


def camt_file(
    rows: list[Row],
    *,
    opening: str = "100.00",
    day_from: dt.date = D1,
    day_to: dt.date | None = None,
    statement_id: str = "S1",
) -> io.BytesIO:
    out = io.BytesIO()
    camt053(
        out,
        iban=IBAN,
        rows=rows,
        opening=Decimal(opening),
        date_from=day_from,
        date_to=day_to or max(r.day for r in rows),
        statement_id=statement_id,
    )
    out.seek(0)
    return out


def run(company: Any, data: io.BytesIO, **kwargs: Any) -> actions.ImportSummary:
    data.seek(0)
    return actions.import_statement(SYSTEM, company, data, file_name="x.xml", **kwargs)


@pytest.fixture
def account(company: Any) -> MoneyAccount:
    return bank_account(company, name="ББР", iban=IBAN)


ROWS = [
    Row(
        D1,
        Decimal("1200.00"),
        "ЕЛТЕХ ЕООД",
        "BG18RZBB91550123456789",
        "ф-ра 0000000123",
        bank_id="B-1",
    ),
    Row(D1, Decimal("-35.40"), "ЧЕЗ Електро АД", "", "ел. енергия"),
]


def test_import_makes_movements_and_checks_balances(company: Any, account: MoneyAccount) -> None:
    summary = run(company, camt_file(ROWS))
    assert (summary.new, summary.duplicates, summary.statements) == (2, 0, 1)
    moves = Movement.objects.filter(account=account).order_by("amount")
    assert [m.amount for m in moves] == [Decimal("-35.40"), Decimal("1200.00")]
    assert {m.source for m in moves} == {MovementSource.STATEMENT}
    assert moves[1].bank_reference == "B-1" and moves[1].counterparty_name == "ЕЛТЕХ ЕООД"
    assert moves[1].raw_data["where"].startswith("line ") and moves[1].date == D1
    assert moves[1].created_at is not None and moves[1].status == "posted"
    # The month total follows the bulk insert, so balances agree with a plain sum.

    assert treasury_queries.own_balances(company, D1) == treasury_queries.own_balances_by_sum(
        company, D1
    )
    statement = Statement.objects.get(account=account)
    assert statement.opening_balance == Decimal("100.00")
    assert statement.closing_balance == Decimal("1264.60")
    assert statement.balanced is True and summary.balance_breaks == []


def test_reimport_and_overlap_add_nothing(company: Any, account: MoneyAccount) -> None:
    run(company, camt_file(ROWS))
    again = run(company, camt_file(ROWS))
    assert (again.new, again.duplicates) == (0, 2)
    overlap = [*ROWS, Row(D2, Decimal("10.00"), "Иван Петров", "", "дарение")]
    later = run(company, camt_file(overlap, day_to=D2, statement_id="S2"))
    assert (later.new, later.duplicates) == (1, 2)
    assert Movement.objects.filter(account=account).count() == 3
    assert BankEntry.objects.filter(account=account).count() == 3


def test_twin_payments_both_survive(company: Any, account: MoneyAccount) -> None:
    twin = Row(D1, Decimal("-80.00"), "Мобилтел ЕАД", "", "Телефон")
    summary = run(company, camt_file([twin, twin]))
    assert summary.new == 2
    assert run(company, camt_file([twin, twin])).new == 0
    assert run(company, camt_file([twin, twin, twin])).new == 1  # a third one came later


def test_twin_payments_in_mt940(company: Any, account: MoneyAccount) -> None:
    account.currency = "BGN"
    account.save()
    twin = Row(D1, Decimal("-80.00"), "Мобилтел ЕАД", "", "Телефон")
    out = io.BytesIO()
    mt940(out, iban=IBAN, rows=[twin, twin], opening=Decimal("500"), date_from=D1)
    summary = run(company, out)
    assert (summary.new, summary.format) == (2, "mt940")
    assert run(company, out).duplicates == 2


def test_unknown_account_is_refused(company: Any) -> None:
    bank_account(company, iban="BG18RZBB91550123456789")
    with pytest.raises(InvalidInput, match="not one of the company's accounts"):
        run(company, camt_file(ROWS))
    assert not StatementImport.objects.exists() and not Movement.objects.exists()


def test_chosen_account_must_match_the_file(company: Any, account: MoneyAccount) -> None:
    other = bank_account(company, iban="BG18RZBB91550123456789")
    with pytest.raises(InvalidInput, match="not of the chosen account"):
        run(company, camt_file(ROWS), account=other)


def test_broken_file_imports_nothing(company: Any, account: MoneyAccount) -> None:
    rows = [Row(D1, Decimal(i + 1), f"Клиент {i}", "", f"ф-ра {i}") for i in range(30)]
    data = camt_file(rows).getvalue()
    with pytest.raises(InvalidInput) as caught:
        run(company, io.BytesIO(data[: int(len(data) * 0.8)]))
    assert "line" in str(caught.value.errors["file"][0])
    assert not Movement.objects.exists() and not BankEntry.objects.exists()
    assert not StatementImport.objects.exists()


def test_a_break_after_stored_batches_imports_nothing(
    company: Any, account: MoneyAccount, monkeypatch: Any
) -> None:
    """Batches already stored (their foreign keys checked as they went in) and the reader a
    thread ahead: the break still refuses the whole file, naming its line."""
    monkeypatch.setattr(importing, "BATCH", 7)
    rows = [Row(D1, Decimal(i + 1), f"Клиент {i}", "", f"ф-ра {i}") for i in range(60)]
    data = camt_file(rows).getvalue()
    with pytest.raises(InvalidInput) as caught:
        run(company, io.BytesIO(data[: int(len(data) * 0.8)]))
    assert "line" in str(caught.value.errors["file"][0])
    assert not Movement.objects.exists() and not BankEntry.objects.exists()
    assert not StatementImport.objects.exists()
    assert run(company, camt_file(rows)).new == 60  # the same file whole, afterwards


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred checks")
def test_foreign_keys_are_checked_per_statement_only_inside_the_block(
    company: Any, account: MoneyAccount
) -> None:
    row = {
        "company_id": company.pk,
        "account_id": account.pk,
        "date": D1,
        "amount": Decimal(1),
        "currency": account.currency,
        "transfer_id": 2_000_000_000,  # no such transfer
        **dict.fromkeys(
            (
                "counterparty_name",
                "counterparty_iban",
                "description",
                "bank_reference",
                "end_to_end_id",
                "remittance_info",
                "cash_order_kind",
            ),
            "",
        ),
    }
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        foreign_keys_checked_now(Movement, BankEntry),
    ):
        insert_rows(Movement, [row])  # refused by the COPY itself
    with pytest.raises(IntegrityError), transaction.atomic():
        with foreign_keys_checked_now(Movement, BankEntry):
            pass
        insert_rows(Movement, [row])  # deferred again after the block: taken in for now…
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # …and refused when checked


def test_not_a_statement(company: Any, account: MoneyAccount) -> None:
    with pytest.raises(InvalidInput, match="not a bank statement"):
        run(company, io.BytesIO(b"\x00\x01\x02\x03\x04"))
    with pytest.raises(InvalidInput, match="empty"):
        run(company, io.BytesIO(b""))


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_invalid_namespace_fixture_is_refused(company: Any, account: MoneyAccount) -> None:
    data = (FIXTURES / "general_invalid_namespace.xml").read_bytes()
    with pytest.raises(InvalidInput, match="holds no statement"):
        run(company, io.BytesIO(data))


def test_too_large_file_is_refused(company: Any, account: MoneyAccount, monkeypatch: Any) -> None:

    monkeypatch.setattr(importing, "MAX_BYTES", 100)
    with pytest.raises(InvalidInput, match="larger than"):
        run(company, camt_file(ROWS))


def test_chain_break_is_shown(company: Any, account: MoneyAccount) -> None:
    run(company, camt_file(ROWS))  # closes at 1264.60
    second = [Row(D2, Decimal("5.00"), "А", "", "x")]
    summary = run(company, camt_file(second, opening="1000.00", day_from=D2, statement_id="S2"))
    assert len(summary.balance_breaks) == 1 and "264.60" in summary.balance_breaks[0]
    latest = Statement.objects.filter(account=account).order_by("-date_to").first()
    assert latest is not None and latest.gap == Decimal("-264.60") and latest.chained is False


def test_company_iban_is_a_treasury_bank_account(make_company: Any) -> None:
    company = make_company(name="Гама ООД", iban=IBAN)
    account = MoneyAccount.objects.get(company=company, iban=IBAN)
    assert account.kind == "bank"
    assert run(company, camt_file(ROWS)).new == 2


def test_rf_reference_settles_the_invoice(company: Any, account: MoneyAccount) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    assert document.rf_reference
    rows = [Row(D1, Decimal("1200.00"), "Клиент", "", "плащане", reference=document.rf_reference)]
    summary = run(company, camt_file(rows))
    assert (summary.matched, summary.review) == (1, 0)
    entry = BankEntry.objects.get(account=account)
    assert entry.match_state == MatchState.AUTO and entry.payment is not None
    payment = Payment.objects.get(pk=entry.payment_id)
    assert payment.movement_id == entry.movement_id and payment.allocated == Decimal("1200.00")
    assert Allocation.objects.get(payment=payment).document_id == document.pk
    # Undo takes back exactly that allocation; the payment stays as the party's credit.
    applied = MatchProposal.objects.get(entry=entry, state=ProposalState.APPLIED)
    actions.undo(SYSTEM, applied, reason="wrong client")
    payment.refresh_from_db()
    entry.refresh_from_db()
    assert payment.allocated == Decimal("0.00") and entry.match_state == MatchState.REVIEW


def _two_open_invoices(company: Any) -> Any:
    """Two open invoices of 300.00 of one client whose IBAN is known: a 300.00 payment from
    that IBAN without a number could pay either, so it waits for a person."""

    first = invoice(company, price="300.00", day=D1 - dt.timedelta(days=6))
    invoice(company, first.party, price="300.00", day=D1 - dt.timedelta(days=5))
    PartyBankAccount.objects.create(
        company=company, party=first.party, iban="BG18RZBB91550123456789"
    )
    return first


def test_a_second_payment_of_a_paid_invoice_waits_for_a_person(
    company: Any, account: MoneyAccount
) -> None:
    """Paid twice by its RF reference, in one statement and again in the next: the extra
    payments never settle the client's other invoice of the same amount by themselves."""
    document = _two_open_invoices(company)
    iban = "BG18RZBB91550123456789"
    ref = document.rf_reference
    rows = [
        Row(D1, Decimal("300.00"), "ЕЛТЕХ", iban, "плащане", reference=ref, bank_id="B-1"),
        Row(D2, Decimal("300.00"), "ЕЛТЕХ", iban, "плащане", reference=ref, bank_id="B-2"),
    ]
    summary = run(company, camt_file(rows))
    assert (summary.matched, summary.review) == (1, 1)
    second = BankEntry.objects.get(account=account, bank_id="B-2")
    assert second.match_state == MatchState.REVIEW and second.payment_id is None
    [first_proposal, *_] = MatchProposal.objects.filter(entry=second).order_by("rank")
    assert "no longer open" in first_proposal.reason and document.number in first_proposal.reason
    later = [Row(D3, Decimal("300.00"), "ЕЛТЕХ", iban, "плащане", reference=ref, bank_id="B-3")]
    summary = run(company, camt_file(later, opening="700.00", day_from=D3, statement_id="S2"))
    assert (summary.matched, summary.review) == (0, 1)
    third = BankEntry.objects.get(account=account, bank_id="B-3")
    assert third.match_state == MatchState.REVIEW and third.payment_id is None


def test_review_queue_accept_teaches_the_alias(company: Any, account: MoneyAccount) -> None:
    document = _two_open_invoices(company)
    rows = [Row(D1, Decimal("300.00"), "ЕЛТЕХ", "BG18RZBB91550123456789", "плащане")]
    summary = run(company, camt_file(rows))
    assert (summary.matched, summary.review) == (0, 1)
    entry = BankEntry.objects.get(account=account)
    proposal = MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).first()
    assert proposal is not None and proposal.reason
    actions.accept(SYSTEM, proposal)
    entry.refresh_from_db()
    assert entry.match_state == MatchState.CONFIRMED
    assert Allocation.objects.filter(payment=entry.payment, undone_at__isnull=True).count() == 1
    assert not MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).exists()
    assert PartyAlias.objects.filter(company=company, party=document.party).count() == 2


def test_dismiss_leaves_the_queue(company: Any, account: MoneyAccount) -> None:
    _two_open_invoices(company)
    rows = [Row(D1, Decimal("300.00"), "ЕЛТЕХ", "BG18RZBB91550123456789", "плащане")]
    run(company, camt_file(rows))
    entry = BankEntry.objects.get(account=account)
    assert entry.match_state == MatchState.REVIEW
    actions.dismiss(SYSTEM, entry, reason="refund")
    entry.refresh_from_db()
    assert entry.match_state == MatchState.DISMISSED
    assert not Payment.objects.exists()


def test_own_transfer_is_not_matched(company: Any, account: MoneyAccount) -> None:
    other = bank_account(company, iban="BG18RZBB91550123456789")
    rows = [Row(D1, Decimal("-500.00"), "Алфа Трейд ООД", other.iban, "към спестовна")]
    summary = run(company, camt_file(rows))
    assert (summary.new, summary.matched, summary.review) == (1, 0, 0)
    assert BankEntry.objects.get(account=account).match_state == MatchState.NONE


def test_movement_typed_with_the_bank_reference_is_not_doubled(
    company: Any, account: MoneyAccount
) -> None:
    treasury_actions.create_movement(
        SYSTEM,
        account,
        movement_input(date=D1, direction="in", amount="1200.00", bank_reference="B-1"),
    )
    summary = run(company, camt_file(ROWS))
    assert (summary.new, summary.duplicates) == (1, 1)
    assert Movement.objects.filter(account=account).count() == 2


def test_matching_leaves_an_entry_a_person_already_paid_alone(company: Any, account: Any) -> None:
    document = invoice(company, price="1200.00", day=D1)
    run(company, camt_file(ROWS[:1]), match=False)
    entry = BankEntry.objects.get(company=company)
    by_hand = payments_actions.record_payment(
        SYSTEM,
        company,
        payments_actions.PaymentInput.read(
            {
                "direction": "in",
                "date": D1,
                "amount": "1200.00",
                "currency": "EUR",
                "movement": Movement.objects.get(pk=entry.movement_id),
                "allocations": [(document, "1200.00")],
            }
        ),
    )
    result = actions.match_entries(SYSTEM, company)
    entry.refresh_from_db()
    assert entry.match_state == MatchState.CONFIRMED and result.matched == 0
    assert not MatchProposal.objects.filter(entry=entry).exists()
    assert list(
        Allocation.objects.filter(document=document).values_list("payment_id", flat=True)
    ) == [by_hand.pk]


def test_a_payment_typed_by_hand_without_the_reference_is_not_doubled(
    company: Any, account: MoneyAccount
) -> None:
    """A person recorded the client's payment on this account the day before the statement
    came, without the bank's reference: the entry takes that movement (no second one, the
    balance counts it once) and matching leaves the person's payment alone."""
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=3))
    by_hand = payments_actions.record_payment(
        SYSTEM,
        company,
        payments_actions.PaymentInput.read(
            {
                "direction": "in",
                "date": D1 - dt.timedelta(days=1),
                "amount": "1200.00",
                "currency": "EUR",
                "party": document.party,
                "account": account,
                "allocations": [(document, "1200.00")],
            }
        ),
    )
    summary = run(company, camt_file(ROWS))
    assert (summary.new, summary.typed, summary.duplicates) == (2, 1, 0)
    assert summary.as_dict()["typed"] == 1
    assert Movement.objects.filter(account=account).count() == 2  # 1200.00 once, -35.40
    entry = BankEntry.objects.get(account=account, bank_id="B-1")
    assert entry.movement_id == by_hand.movement_id
    assert entry.match_state == MatchState.CONFIRMED  # the person's payment stays
    assert Payment.objects.filter(company=company).count() == 1
    again = run(company, camt_file(ROWS))
    assert (again.new, again.typed, again.duplicates) == (0, 0, 2)


@pytest.mark.parametrize("case", ["two typed", "too early", "reversed"])
def test_a_typed_movement_is_taken_only_when_certain(
    company: Any, account: MoneyAccount, case: str
) -> None:
    days = {"two typed": [D1, D2], "too early": [D1 - dt.timedelta(days=8)], "reversed": [D1]}
    typed = [
        treasury_actions.create_movement(
            SYSTEM, account, movement_input(date=day, direction="in", amount="1200.00")
        )
        for day in days[case]
    ]
    if case == "reversed":
        treasury_actions.reverse_movement(SYSTEM, typed[0], date=D1, reason="typed twice")
    before = Movement.objects.filter(account=account).count()
    summary = run(company, camt_file(ROWS))
    assert (summary.new, summary.typed) == (2, 0)
    assert Movement.objects.filter(account=account).count() == before + 2
    entry = BankEntry.objects.get(account=account, bank_id="B-1")
    assert entry.movement_id not in {m.pk for m in typed}
    # Not certain is not forgotten: a person is asked, unless the typed one was reversed.
    asked = case != "reversed"
    assert (summary.maybe_typed, entry.maybe_typed) == (int(asked), asked)
    assert entry.match_state == (MatchState.REVIEW if asked else MatchState.UNMATCHED)
