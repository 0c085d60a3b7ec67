"""Bank lines that may be a movement typed in by hand: flagged at import, never settled alone,
answered in the review queue (the same payment, or two), with the balance counting money once."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from xfinances.banking import actions, queries
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.test_import_statement import IBAN, camt_file, run
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry, Source
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Payment
from xfinances.payments.tests.factories import invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.models import MoneyAccount, Movement, MovementSource, MovementStatus
from xfinances.treasury.tests.factories import bank_account, cash_register, movement_input

SYSTEM = Actor.system(Source.CLI)
D1 = dt.date(2026, 11, 2)
NB = "\u00a0"


@pytest.fixture
def account(company: Any) -> MoneyAccount:
    return bank_account(company, name="ББР", iban=IBAN)


def typed(account: MoneyAccount, day: dt.date, amount: str = "1200.00") -> Movement:
    return treasury_actions.create_movement(
        SYSTEM, account, movement_input(date=day, direction="in", amount=amount)
    )


def typed_payment(company: Any, account: MoneyAccount, document: Any, day: dt.date) -> Payment:
    """A person recorded the client's payment on the bank account, without the bank's ref."""
    return payments_actions.record_payment(
        SYSTEM,
        company,
        payments_actions.PaymentInput.read(
            {
                "direction": "in",
                "date": day,
                "amount": str(document.total),
                "currency": "EUR",
                "party": document.party,
                "account": account,
                "allocations": [(document, str(document.total))],
            }
        ),
    )


def paying(document: Any, day: dt.date = D1, bank_id: str = "B-1") -> Row:
    """A bank line that pays `document` by its RF reference: matched automatically if asked."""
    return Row(
        day,
        Decimal(document.total),
        "ЕЛТЕХ ЕООД",
        "BG18RZBB91550123456789",
        "плащане",
        reference=document.rf_reference,
        bank_id=bank_id,
    )


def balance(company: Any, account: MoneyAccount) -> Decimal:
    return treasury_queries.own_balances(company, dt.date(2030, 1, 1))[account.pk]


def test_a_typed_payment_too_early_to_be_certain_waits_and_is_never_settled_alone(
    company: Any, account: MoneyAccount
) -> None:
    """The person typed the client's payment in 12 days before the bank booked it (beyond the
    week the import pairs on its own). The line is not matched automatically, though its RF
    reference fits an invoice: the invoice is paid already by the person's payment, and the
    line waits with the question instead of counting the money twice unseen."""
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=20))
    by_hand = typed_payment(company, account, document, D1 - dt.timedelta(days=12))
    summary = run(company, camt_file([paying(document)]))
    assert (summary.new, summary.typed, summary.maybe_typed) == (1, 0, 1)
    assert (summary.matched, summary.review) == (0, 1)
    assert summary.as_dict()["maybe_typed"] == 1
    entry = BankEntry.objects.get(account=account)
    assert entry.maybe_typed and entry.match_state == MatchState.REVIEW
    assert entry.movement_id != by_hand.movement_id
    assert balance(company, account) == Decimal("2400.00")  # counted twice until answered
    [candidate] = queries.typed_candidates(company, [entry])[entry.pk]
    assert candidate.movement.pk == by_hand.movement_id
    assert [p.pk for p in candidate.payments] == [by_hand.pk]

    own = entry.movement_id
    entry = actions.take_typed_movement(SYSTEM, entry, candidate.movement)
    assert entry.movement_id == by_hand.movement_id and not entry.maybe_typed
    assert entry.match_state == MatchState.CONFIRMED  # the person's payment stays
    assert not Movement.objects.filter(pk=own).exists()  # deleted: its period is open
    assert balance(company, account) == Decimal("1200.00")
    assert Payment.objects.filter(company=company).count() == 1
    assert treasury_queries.own_balances(company, D1) == treasury_queries.own_balances_by_sum(
        company, D1
    )
    assert not MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).exists()
    actions_logged = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"take_typed_movement", "withdraw_bank_movement"} <= actions_logged
    # The log says where the line ended, not the state it passed through.
    logged = AuditEntry.objects.get(action="take_typed_movement")
    assert logged.changes["match_state"] == [MatchState.REVIEW, MatchState.CONFIRMED]
    # The file again adds nothing, and asks nothing again.
    again = run(company, camt_file([paying(document)]))
    assert (again.new, again.duplicates, again.maybe_typed) == (0, 1, 0)


def test_two_typed_movements_of_the_amount_the_person_picks_one_and_the_line_is_matched(
    company: Any, account: MoneyAccount
) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    first, second = typed(account, D1 - dt.timedelta(days=1)), typed(account, D1)
    summary = run(company, camt_file([paying(document)]))
    assert (summary.typed, summary.maybe_typed, summary.matched) == (0, 1, 0)
    entry = BankEntry.objects.get(account=account)
    found = queries.typed_candidates(company, [entry])[entry.pk]
    assert [c.movement.pk for c in found] == [second.pk, first.pk]  # nearest date first

    entry = actions.take_typed_movement(SYSTEM, entry, first)
    # Nothing was recorded on the typed movement: the line is matched now, on that movement.
    assert entry.movement_id == first.pk and entry.match_state == MatchState.AUTO
    payment = Payment.objects.get(pk=entry.payment_id)
    assert payment.movement_id == first.pk and payment.allocated == Decimal("1200.00")
    assert set(Movement.objects.filter(account=account).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_different_payments_are_matched_on_their_own(company: Any, account: MoneyAccount) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    a, b = typed(account, D1 - dt.timedelta(days=2)), typed(account, D1)
    run(company, camt_file([paying(document)]))
    entry = BankEntry.objects.get(account=account)
    entry = actions.keep_apart(SYSTEM, entry, reason="two clients paid the same")
    assert not entry.maybe_typed and entry.match_state == MatchState.AUTO
    assert Movement.objects.filter(pk__in=[a.pk, b.pk, entry.movement_id]).count() == 3
    logged = AuditEntry.objects.get(action="keep_bank_line_apart")
    assert logged.reason == "two clients paid the same"
    with pytest.raises(Conflict):
        actions.keep_apart(SYSTEM, entry)  # settled: nothing to answer


def test_when_one_typed_movement_may_be_either_of_two_lines_the_other_is_released(
    company: Any, account: MoneyAccount
) -> None:
    one = typed(account, D1)
    rows = [
        Row(D1, Decimal("1200.00"), "Клиент А", "", "аванс", bank_id="B-1"),
        Row(D1, Decimal("1200.00"), "Клиент Б", "", "аванс", bank_id="B-2"),
    ]
    summary = run(company, camt_file(rows))
    assert (summary.typed, summary.maybe_typed) == (0, 2)
    first, second = BankEntry.objects.filter(account=account).order_by("bank_id")
    actions.take_typed_movement(SYSTEM, first, one)
    second.refresh_from_db()
    # Its only candidate is taken: it is a payment of its own, and matched as any other.
    assert not second.maybe_typed and second.match_state == MatchState.UNMATCHED
    assert queries.typed_candidates(company, [second]) == {}
    assert Movement.objects.filter(account=account).count() == 2


def test_a_typed_movement_far_from_the_booking_is_not_asked_about(
    company: Any, account: MoneyAccount
) -> None:
    typed(account, D1 - dt.timedelta(days=40))
    typed(account, D1 + dt.timedelta(days=10))
    summary = run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс")]))
    assert (summary.typed, summary.maybe_typed) == (0, 0)
    assert not BankEntry.objects.get(account=account).maybe_typed


def test_refusals_change_nothing(company: Any, account: MoneyAccount) -> None:
    other_amount = typed(account, D1, amount="1100.00")
    one, two = typed(account, D1), typed(account, D1 - dt.timedelta(days=1))
    elsewhere = typed(bank_account(company, name="Пощенска", iban="BG18RZBB91550123456789"), D1)
    rows = [
        Row(D1, Decimal("1200.00"), "Клиент А", "", "аванс", bank_id="B-1"),
        Row(D1, Decimal("1200.00"), "Клиент Б", "", "аванс", bank_id="B-2"),
    ]
    run(company, camt_file(rows))
    first, second = BankEntry.objects.filter(account=account).order_by("bank_id")
    own = first.movement_id
    with pytest.raises(InvalidInput) as refused:
        actions.take_typed_movement(SYSTEM, first, other_amount)
    assert "1" in str(refused.value.errors["movement"])
    with pytest.raises(InvalidInput):
        actions.take_typed_movement(SYSTEM, first, elsewhere)  # another account
    statement_made = Movement.objects.get(pk=second.movement_id)
    with pytest.raises(InvalidInput):
        actions.take_typed_movement(SYSTEM, first, statement_made)  # not typed by hand
    actions.take_typed_movement(SYSTEM, second, two)
    with pytest.raises(InvalidInput):
        actions.take_typed_movement(SYSTEM, first, two)  # another line has it now
    treasury_actions.reverse_movement(SYSTEM, one, date=D1, reason="typed twice")
    with pytest.raises(InvalidInput):
        actions.take_typed_movement(SYSTEM, first, one)  # reversed
    first.refresh_from_db()
    assert first.movement_id == own and Movement.objects.filter(pk=own).exists()
    # A payment on the line's own movement is undone first, not lost with the movement.
    fresh = typed(account, D1)
    first.maybe_typed = True
    first.save(update_fields=["maybe_typed"])
    payments_actions.record_payment(
        SYSTEM,
        company,
        payments_actions.PaymentInput.read(
            {
                "direction": "in",
                "date": D1,
                "amount": "1200.00",
                "currency": "EUR",
                "movement": Movement.objects.get(pk=own),
            }
        ),
    )
    with pytest.raises(Conflict):
        actions.take_typed_movement(SYSTEM, first, fresh)
    assert Movement.objects.filter(pk=own).exists()


def test_in_a_closed_period_the_lines_own_movement_is_reversed_not_deleted(
    company: Any, account: MoneyAccount
) -> None:
    one, _two = typed(account, D1), typed(account, D1 - dt.timedelta(days=1))
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс")]))
    entry = BankEntry.objects.get(account=account)
    own = entry.movement_id
    treasury_actions.close_period(SYSTEM, company, closed_until=D1)
    actions.take_typed_movement(SYSTEM, entry, one)
    kept = Movement.objects.get(pk=own)
    assert kept.status == MovementStatus.REVERSED
    reversal = Movement.objects.get(reversal_of=kept)
    assert reversal.amount == Decimal("-1200.00") and reversal.date > D1
    assert reversal.source == MovementSource.MANUAL
    assert balance(company, account) == Decimal("2400.00")  # the two typed, counted once each


def test_review_page_asks_in_bulgarian_and_its_buttons_answer(
    company: Any, account: MoneyAccount, client_as: Any
) -> None:
    one = typed(account, D1 - dt.timedelta(days=1))
    typed(account, D1)
    client = client_as(company, "owner")
    eik = company.eik
    data = camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")])
    data.name = "s.xml"  # type: ignore[attr-defined]
    answer = client.post(
        reverse("banking:upload", args=[eik]),
        {"file": data, "account": "", "profile": ""},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 201, answer.content
    lines = [m["text"] for m in answer.json()["messages"]]
    assert any("може би вече е въведен на ръка" in line for line in lines), lines
    page = client.get(reverse("banking:review", args=[eik]))
    text = page.content.decode().replace("&nbsp;", NB)
    assert "Това плащане може би вече е въведено на ръка" in text
    assert "200,00 EUR</span>" in text and "Същото плащане" in text
    assert reverse("treasury:movement", args=[eik, one.pk]) in text
    phrases, words = english_texts()
    assert not problems_on_page("review", page, phrases, words, whole_page=True)

    entry = BankEntry.objects.get(account=account)
    done = client.post(
        reverse("banking:take_typed", args=[eik, entry.pk]), {"movement": one.pk}, follow=True
    )
    assert "Едно плащане" in done.content.decode()
    entry.refresh_from_db()
    assert entry.movement_id == one.pk and not entry.maybe_typed
    wrong = client.post(reverse("banking:take_typed", args=[eik, entry.pk]), {"movement": "x"})
    assert wrong.status_code == 302
    viewer = client_as(company, "viewer")
    assert viewer.post(reverse("banking:keep_apart", args=[eik, entry.pk])).status_code == 403


def test_api_lists_the_question_and_answers_it(
    company: Any, account: MoneyAccount, api_as: Any
) -> None:
    one, two = typed(account, D1), typed(account, D1 - dt.timedelta(days=3))
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")]))
    entry = BankEntry.objects.get(account=account)
    api = api_as(company)
    [listed] = api.get("/banking/review").json()
    assert listed["maybe_typed"] is True
    assert [m["movement_id"] for m in listed["typed_movements"]] == [one.pk, two.pk]
    assert listed["typed_movements"][0]["amount"] == "1200.00"
    viewer = api_as(company, role="viewer")
    refused = viewer.post(f"/banking/entries/{entry.pk}/typed-movement", {"movement_id": one.pk})
    assert refused.status_code == 403
    missing = api.post(f"/banking/entries/{entry.pk}/typed-movement", {"movement_id": 10**9})
    assert missing.status_code == 422 and "movement_id" in missing.json()["errors"]
    answered = api.post(f"/banking/entries/{entry.pk}/typed-movement", {"movement_id": two.pk})
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert body["movement_id"] == two.pk and body["maybe_typed"] is False
    again = api.post(f"/banking/entries/{entry.pk}/keep-apart", {"reason": ""})
    assert again.status_code == 409


def test_cli_json_counts_the_lines_that_wait(
    company: Any, account: MoneyAccount, tmp_path: Any
) -> None:
    typed(account, D1)
    typed(account, D1 - dt.timedelta(days=1))
    path = tmp_path / "s.xml"
    path.write_bytes(camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс")]).getvalue())
    out = io.StringIO()
    call_command("import-statement", str(path), company=company.eik, json=True, stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["new"], summary["maybe_typed"], summary["review"]) == (1, 1, 1)


# --- the other way round: the line came first, then a person typed the payment in ---------


def test_a_payment_typed_in_after_its_line_came_puts_the_line_to_the_question(
    company: Any, account: MoneyAccount
) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    # No reference, no number: the line waits unmatched (or for review), its own movement bare.
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "превод", bank_id="B-1")]))
    entry = BankEntry.objects.get(account=account)
    assert not entry.maybe_typed and entry.match_state != MatchState.AUTO
    payment = payments_actions.mark_document_paid(
        SYSTEM,
        document,
        payments_actions.MarkPaidInput.read(
            {"account": account, "date": D1 + dt.timedelta(days=2)}
        ),
    )
    entry.refresh_from_db()
    assert entry.maybe_typed and entry.match_state == MatchState.REVIEW
    assert AuditEntry.objects.filter(action="ask_line_may_be_typed").count() == 1
    assert balance(company, account) == Decimal("2400.00")
    [candidate] = queries.typed_candidates(company, [entry])[entry.pk]
    assert candidate.movement.pk == payment.movement_id
    assert [p.pk for p in candidate.payments] == [payment.pk]
    actions.take_typed_movement(SYSTEM, entry, candidate.movement)
    entry.refresh_from_db()
    assert entry.movement_id == payment.movement_id and entry.match_state == MatchState.CONFIRMED
    assert balance(company, account) == Decimal("1200.00")


@pytest.mark.parametrize("case", ["matched", "bank reference", "cash", "far"])
def test_typed_money_that_cannot_be_a_line_asks_nothing(
    company: Any, account: MoneyAccount, case: str
) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    row = paying(document) if case == "matched" else Row(D1, Decimal("1200.00"), "К", "", "x")
    run(company, camt_file([row]))
    entry = BankEntry.objects.get(account=account)
    target = account
    data: dict[str, Any] = {"date": D1, "direction": "in", "amount": "1200.00"}
    if case == "bank reference":
        data["bank_reference"] = "OTHER-REF"
    elif case == "cash":
        target = cash_register(company)
    elif case == "far":
        data["date"] = D1 + dt.timedelta(days=8)  # typed more than a week after the booking
    state = entry.match_state
    treasury_actions.create_movement(SYSTEM, target, movement_input(**data))
    entry.refresh_from_db()
    assert not entry.maybe_typed and entry.match_state == state


def test_mark_paid_page_says_where_the_question_waits(
    company: Any, account: MoneyAccount, client_as: Any
) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "превод")]))
    client = client_as(company, "owner")
    answer = client.post(
        reverse("payments:mark_paid", args=[company.eik, document.pk]),
        {"account": account.pk, "date": "2026-11-03"},
        follow=True,
    )
    text = answer.content.decode().replace("&nbsp;", NB)
    assert "Банков ред от 02.11.2026 за" in text and "може да е това плащане" in text
    phrases, words = english_texts()
    assert not problems_on_page("document", answer, phrases, words, whole_page=True)


def test_the_api_answer_to_money_typed_in_names_the_line(
    company: Any, account: MoneyAccount, api_as: Any
) -> None:
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "превод", bank_id="B-1")]))
    api = api_as(company)
    body = {"date": "2026-11-03", "direction": "in", "amount": "1200.00"}
    paid = api.post("/payments", {**body, "money_account_id": account.pk, "currency": "EUR"})
    assert paid.status_code == 201, paid.content
    [note] = paid.json()["notes"]
    assert "02.11.2026" in note
    # The line asks already: a second typed movement of it is named as well, once.
    moved = api.post("/treasury/movements", {**body, "account_id": account.pk})
    assert moved.status_code == 201, moved.content
    assert len(moved.json()["notes"]) == 1
    quiet = api.post("/treasury/movements", {**body, "account_id": account.pk, "amount": "5.00"})
    assert quiet.json()["notes"] == []


def test_the_statement_page_marks_the_line_and_leads_to_its_card(
    company: Any, account: MoneyAccount, client_as: Any
) -> None:
    typed(account, D1)
    typed(account, D1 - dt.timedelta(days=1))
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")]))
    entry = BankEntry.objects.get(account=account)
    page = client_as(company, "owner").get(
        reverse("banking:statement", args=[company.eik, entry.statement_id])
    )
    text = page.content.decode()
    assert reverse("banking:review", args=[company.eik]) + f"#entry-{entry.pk}" in text
    assert "може би вече въведено на ръка" in text


def test_a_typed_movement_a_line_took_keeps_the_banks_amount_and_is_not_deleted(
    company: Any, account: MoneyAccount
) -> None:
    """The import paired the line with a movement typed in by hand: the line's money is now
    that movement, so its amount and date stay the bank's and it cannot be deleted (it was a
    server error: the line's foreign key protects it); its description may still change."""
    by_hand = typed(account, D1)
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")]))
    assert BankEntry.objects.get(account=account).movement_id == by_hand.pk
    edit = treasury_actions.MovementEditInput.read_changes
    with translation.override("bg"), pytest.raises(InvalidInput) as refused:
        treasury_actions.update_movement(SYSTEM, by_hand, edit({"amount": "1000.00"}))
    assert "банковият ред от 02.11.2026" in str(refused.value.errors["amount"])
    with pytest.raises(Conflict):
        treasury_actions.delete_movement(SYSTEM, by_hand)
    treasury_actions.update_movement(SYSTEM, by_hand, edit({"description": "аванс от клиента"}))
    by_hand.refresh_from_db()
    assert by_hand.amount == Decimal("1200.00") and by_hand.description == "аванс от клиента"


def test_a_typed_movement_edited_to_a_lines_amount_asks_the_question(
    company: Any, account: MoneyAccount
) -> None:
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")]))
    wrong = typed(account, D1, amount="120.00")  # a digit short
    entry = BankEntry.objects.get(account=account)
    assert not entry.maybe_typed
    edit = treasury_actions.MovementEditInput.read_changes
    treasury_actions.update_movement(SYSTEM, wrong, edit({"amount": "1200.00"}))
    entry.refresh_from_db()
    assert entry.maybe_typed and entry.match_state == MatchState.REVIEW


def test_money_a_bank_line_holds_is_not_reversed_nor_its_payment_taken_back(
    company: Any, account: MoneyAccount
) -> None:
    """A line's movement (its own, or a typed one it took) is the bank's money: reversing it by
    hand was allowed and left the balance apart from the bank's; taking back the payment typed
    on it would leave the line settled by nothing. Both are refused, changing nothing."""
    document = invoice(company, price="1200.00")
    paid = typed_payment(company, account, document, D1)
    run(company, camt_file([Row(D1, Decimal("1200.00"), "Клиент", "", "аванс", bank_id="B-1")]))
    assert BankEntry.objects.get(account=account).movement_id == paid.movement_id
    held = Movement.objects.get(pk=paid.movement_id)
    with pytest.raises(Conflict, match="bank line of"):
        treasury_actions.reverse_movement(SYSTEM, held, date=D1, reason="typo")
    assert "bank line of" in str(payments_actions.take_back_refusal(paid))
    for keep_money in (False, True):
        with pytest.raises(Conflict, match="bank line of"):
            payments_actions.take_back_payment(SYSTEM, paid, reason="wrong", keep_money=keep_money)
    fee = Row(D1, Decimal("-2.00"), "", "", "такса", bank_id="B-2")
    run(company, camt_file([fee], statement_id="S-2"))
    own = BankEntry.objects.get(account=account, amount=Decimal("-2.00")).movement
    assert own is not None and own.source == MovementSource.STATEMENT
    with pytest.raises(Conflict, match="bank line of"):
        treasury_actions.reverse_movement(SYSTEM, own, date=D1, reason="typo")
    assert Payment.objects.filter(pk=paid.pk).exists()
    assert not Movement.objects.filter(status=MovementStatus.REVERSED).exists()
    assert balance(company, account) == Decimal("1198.00")


def test_a_typed_payment_taken_back_releases_its_line_which_settles_the_invoice(
    company: Any, account: MoneyAccount, make_member: Any
) -> None:
    """The line waited to be compared with a payment typed 12 days early; the person takes that
    payment back (it was typed by mistake). The line had nothing else to be: it is released and,
    its RF reference fitting the invoice open again, settles it at once."""
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=20))
    by_hand = typed_payment(company, account, document, D1 - dt.timedelta(days=12))
    run(company, camt_file([paying(document)]))
    entry = BankEntry.objects.get(account=account)
    assert entry.maybe_typed and entry.match_state == MatchState.REVIEW
    taken = payments_actions.take_back_payment(SYSTEM, by_hand, reason="typed twice")
    assert taken.money == payments_actions.MoneyFate.DELETED
    entry.refresh_from_db()
    assert not entry.maybe_typed and entry.match_state == MatchState.AUTO
    document.refresh_from_db()
    assert document.payment_status == "paid"
    assert balance(company, account) == Decimal("1200.00")
    assert AuditEntry.objects.filter(action="release_line_from_typed").count() == 1


def test_a_typed_movement_deleted_or_reversed_releases_its_lines(
    company: Any, account: MoneyAccount, make_member: Any
) -> None:
    """Plain money typed in by hand (no payment) goes by deletion or reversal: the lines that
    waited for it alone stop waiting; one a person without payments.change released is left
    for the next matching run."""
    first = typed(account, D1 - dt.timedelta(days=12), "300.00")
    second = typed(account, D1 - dt.timedelta(days=11), "300.00")
    row = Row(D1, Decimal("300.00"), "Клиент", "", "аванс", bank_id="B-1")
    run(company, camt_file([row]))
    entry = BankEntry.objects.get(account=account)
    assert entry.maybe_typed
    treasury_actions.delete_movement(SYSTEM, first)
    entry.refresh_from_db()
    assert entry.maybe_typed  # the second may still be it
    cashier = Actor(make_member(company, "purchasing"))  # moves money, allocates none
    treasury_actions.set_account_access(SYSTEM, account, cashier.user, can_view=True, can_move=True)
    treasury_actions.reverse_movement(cashier, second, date=D1, reason="typo")
    entry.refresh_from_db()
    assert not entry.maybe_typed and entry.match_state == MatchState.UNMATCHED
    logged = AuditEntry.objects.get(action="release_line_from_typed")
    assert logged.user == cashier.user


def test_a_wrong_pairing_is_parted_and_the_line_gets_its_own_movement_again(
    company: Any, account: MoneyAccount, client_as: Any
) -> None:
    """The import paired the line with a payment typed in by hand three days before — the only
    one of the amount — but another client paid the same sum that week. *Not the same payment*
    gives the line its own movement again from the bank's data; the typed payment stays."""
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=20))
    by_hand = typed_payment(company, account, document, D1 - dt.timedelta(days=3))
    other = Row(D1, Decimal("1200.00"), "Друг Клиент ООД", "", "аванс", bank_id="B-7")
    run(company, camt_file([other]))
    entry = BankEntry.objects.get(account=account)
    assert entry.movement_id == by_hand.movement_id
    assert balance(company, account) == Decimal("1200.00")
    eik = company.eik
    statement_url = reverse("banking:statement", args=[eik, entry.statement_id])
    web = client_as(company, "owner")
    page = web.get(statement_url).content.decode()
    part_url = reverse("banking:part_from_typed", args=[eik, entry.pk])
    assert f'action="{part_url}"' in page and "Не е същото плащане" in page
    answer = web.post(part_url, {"reason": "друг клиент"})
    assert answer.status_code == 302 and f"?entry={entry.pk}" in answer["Location"]
    entry.refresh_from_db()
    own = Movement.objects.get(pk=entry.movement_id)
    assert own.source == MovementSource.STATEMENT and own.bank_reference == "B-7"
    assert own.amount == Decimal("1200.00") and own.counterparty_name == "Друг Клиент ООД"
    assert entry.payment_id != by_hand.pk and not entry.maybe_typed
    assert Payment.objects.get(pk=by_hand.pk).movement_id == by_hand.movement_id
    assert balance(company, account) == Decimal("2400.00")  # two payments, as the bank says
    logged = AuditEntry.objects.get(action="part_line_from_typed")
    assert "друг клиент" in logged.reason
    assert f'action="{part_url}"' not in web.get(statement_url).content.decode()
    with pytest.raises(Conflict):  # on its own movement now
        actions.part_from_typed(SYSTEM, entry)


def test_parting_a_line_matched_on_the_typed_movement_needs_the_match_undone(
    company: Any, account: MoneyAccount, api_as: Any
) -> None:
    by_hand = typed(account, D1 - dt.timedelta(days=1), "300.00")
    document = invoice(company, price="300.00", day=D1 - dt.timedelta(days=5))
    run(company, camt_file([paying(document)]))
    entry = BankEntry.objects.get(account=account)
    assert entry.movement_id == by_hand.pk and entry.match_state == MatchState.AUTO
    api = api_as(company, "owner")
    refused = api.post(f"/banking/entries/{entry.pk}/part-from-typed", {"reason": "x"})
    assert refused.status_code == 409, refused.content
    proposal = MatchProposal.objects.get(entry=entry, state=ProposalState.APPLIED)
    actions.undo(SYSTEM, proposal, reason="wrong")
    answer = api.post(f"/banking/entries/{entry.pk}/part-from-typed", {"reason": "x"})
    assert answer.status_code == 200, answer.content
    entry.refresh_from_db()
    assert entry.movement_id != by_hand.pk
    assert Movement.objects.filter(pk=by_hand.pk, status=MovementStatus.POSTED).exists()
    # The payment matching made for the line went with it; the typed movement carries none.
    assert not Payment.objects.filter(movement_id=by_hand.pk).exists()
    assert Payment.objects.filter(company=company).count() == 1
    document.refresh_from_db()
    assert document.payment_status == "paid"  # matched again, on the line's own movement


def test_a_whole_matching_run_frees_lines_whose_typed_movement_went_unnoticed(
    company: Any, account: MoneyAccount
) -> None:
    """Lines flagged before typed money going told banking (or gone by any other way) waited
    with no candidate and no way out but by hand: *Match now* frees and matches them."""
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=20))
    by_hand = typed(account, D1 - dt.timedelta(days=12))
    run(company, camt_file([paying(document)]))
    entry = BankEntry.objects.get(account=account)
    assert entry.maybe_typed
    Movement.objects.filter(pk=by_hand.pk).delete()  # behind every action's back
    assert queries.typed_candidates(company, [entry])[entry.pk] == []
    actions.match_entries(SYSTEM, company)
    entry.refresh_from_db()
    assert not entry.maybe_typed and entry.match_state == MatchState.AUTO
    document.refresh_from_db()
    assert document.payment_status == "paid"
