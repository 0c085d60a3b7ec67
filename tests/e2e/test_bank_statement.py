"""An owner uploads a bank statement on the e-banking page, sees the summary in place, then
works the review queue with the keyboard (Enter accepts the best candidate)."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from tests.e2e.conftest import sign_in
from xfinances.banking import actions
from xfinances.banking.models import BankEntry, BankRule, MatchProposal, MatchState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM
from xfinances.parties.models import PartyBankAccount
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.tests.factories import bank_account, movement_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IBAN = "BG80BNBG96611020345678"
CLIENT_IBAN = "BG18RZBB91550123456789"


def test_upload_statement_and_accept_in_the_review_queue(
    page, live_server, company, make_member, tmp_path
):
    user = make_member(company, "owner", email="owner@example.bg")
    bank_account(company, iban=IBAN)
    today = dt.date.today()
    first = invoice(company, price="300.00", day=today - dt.timedelta(days=6))
    invoice(company, first.party, price="300.00", day=today - dt.timedelta(days=5))
    PartyBankAccount.objects.create(company=company, party=first.party, iban=CLIENT_IBAN)
    out = io.BytesIO()
    camt053(
        out,
        iban=IBAN,
        rows=[Row(today, Decimal("300.00"), "ЕЛТЕХ ЕООД", CLIENT_IBAN, "плащане")],
        opening=Decimal("0"),
        date_from=today,
        date_to=today,
    )
    path = tmp_path / "izvlechenie.xml"
    path.write_bytes(out.getvalue())

    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.goto(f"{live_server.url}/c/{company.eik}/banking/")
    page.set_input_files("#statement-file", str(path))
    page.click("#statement-upload button[type=submit]")
    page.wait_for_selector("#upload-summary[data-done='1']")
    summary = page.inner_text("#upload-summary")
    assert "1 нови" in summary and "0 повторени" in summary

    entry = BankEntry.objects.get(company=company)
    if not MatchProposal.objects.filter(entry=entry, state="open").exists():
        # Without the matching engine (a parallel branch) nothing was proposed: offer one.
        entry.match_state = MatchState.REVIEW
        entry.save(update_fields=["match_state"])
        MatchProposal.objects.create(
            company=company,
            entry=entry,
            party=first.party,
            allocations=[["sales", first.pk, "300.00"]],
            score=45,
            reasons=[["amount_exact", {"amount": "300.00"}]],
        )
    page.goto(f"{live_server.url}/c/{company.eik}/banking/review/")
    assert page.locator(".review-item").count() == 1
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    entry.refresh_from_db()
    assert entry.match_state == MatchState.CONFIRMED
    assert (
        Allocation.objects.filter(payment_id=entry.payment_id, undone_at__isnull=True).count() == 1
    )
    assert page.locator("#queue-empty").is_visible()


def test_file_a_rent_line_from_the_queue_by_keyboard_and_learn_its_rule(
    page, live_server, company, make_member
):
    """F goes to "file under…", the category is chosen with the keyboard, Tab and Enter file it;
    the learned rule files the landlord's second line too."""
    user = make_member(company, "owner", email="owner@example.bg")
    bank_account(company, iban=IBAN)
    today = dt.date.today()
    out = io.BytesIO()
    camt053(
        out,
        iban=IBAN,
        rows=[
            Row(today, Decimal("-800.00"), "Имоти Наем ООД", CLIENT_IBAN, "наем офис"),
            Row(today, Decimal("-800.00"), "Имоти Наем ООД", CLIENT_IBAN, "наем склад"),
        ],
        opening=Decimal("2000"),
        date_from=today,
        date_to=today,
    )
    out.seek(0)
    actions.import_statement(SYSTEM, company, out, file_name="s.xml")
    BankEntry.objects.filter(company=company).update(match_state=MatchState.REVIEW)

    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.goto(f"{live_server.url}/c/{company.eik}/banking/review/")
    assert page.locator(".review-item").count() == 2
    page.keyboard.press("f")
    focused = page.evaluate("document.activeElement.getAttribute('name')")
    assert focused == "category"
    page.select_option(".review-item:first-child select[name=category]", label="Наем")
    page.keyboard.press("Tab")  # "Remember for this counterparty", ticked
    page.keyboard.press("Tab")  # File
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#queue-empty").is_visible()
    assert set(BankEntry.objects.values_list("match_state", flat=True)) == {MatchState.NONE}
    assert BankRule.objects.filter(company=company, counterparty_iban=CLIENT_IBAN).count() == 1


def test_t_and_n_answer_whether_lines_are_payments_typed_in_by_hand(
    page, live_server, company, make_member
):
    """Two lines of 150.00 and two movements of it typed in by hand: T says the first line is
    the nearest typed movement (its own movement goes), N that the second is another payment."""
    user = make_member(company, "owner", email="owner@example.bg")
    account = bank_account(company, iban=IBAN)
    today = dt.date.today()
    typed = [
        treasury_actions.create_movement(
            SYSTEM,
            account,
            movement_input(date=today - dt.timedelta(days=d), direction="in", amount="150.00"),
        )
        for d in (1, 3)
    ]
    out = io.BytesIO()
    camt053(
        out,
        iban=IBAN,
        rows=[
            Row(today, Decimal("150.00"), "Клиент А", "", "аванс", bank_id="T-1"),
            Row(today, Decimal("150.00"), "Клиент Б", "", "аванс", bank_id="T-2"),
        ],
        opening=Decimal("0"),
        date_from=today,
        date_to=today,
    )
    out.seek(0)
    summary = actions.import_statement(SYSTEM, company, out, file_name="s.xml")
    assert summary.maybe_typed == 2

    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.goto(f"{live_server.url}/c/{company.eik}/banking/review/")
    assert page.locator(".review-item .typed-question").count() == 2
    with page.expect_navigation():
        page.keyboard.press("t")
    first = BankEntry.objects.get(company=company, bank_id="T-1")
    assert first.movement_id == typed[0].pk and not first.maybe_typed
    assert page.locator(".review-item .typed-question").count() == 1
    with page.expect_navigation():
        page.keyboard.press("n")
    second = BankEntry.objects.get(company=company, bank_id="T-2")
    assert not second.maybe_typed and second.movement_id not in {m.pk for m in typed}
    assert page.locator(".review-item .typed-question").count() == 0


def test_m_opens_match_by_hand_and_a_split_settles_two_invoices(
    page, live_server, company, make_member
):
    """M on a card opens matching by hand; the party's invoices come prefilled oldest first,
    a person changes one amount and matches: both invoices are settled as split."""
    user = make_member(company, "owner", email="owner@example.bg")
    bank_account(company, iban=IBAN)
    today = dt.date.today()
    first = invoice(company, price="100.00", day=today - dt.timedelta(days=9))
    second = invoice(company, first.party, price="100.00", day=today - dt.timedelta(days=8))
    out = io.BytesIO()
    camt053(
        out,
        iban=IBAN,
        rows=[Row(today, Decimal("150.00"), "НЕПОЗНАТ", "", "превод", bank_id="M-1")],
        opening=Decimal("0"),
        date_from=today,
        date_to=today,
    )
    out.seek(0)
    actions.import_statement(SYSTEM, company, out, file_name="s.xml")
    BankEntry.objects.filter(company=company).update(match_state=MatchState.REVIEW)

    sign_in(page, live_server, user.email, "Test-Parola-2026!")
    page.goto(f"{live_server.url}/c/{company.eik}/banking/review/")
    with page.expect_navigation():
        page.keyboard.press("m")
    page.select_option("#by-hand-party-select", str(first.party.pk))
    with page.expect_navigation():
        page.click("#by-hand-party button[type=submit]")
    assert page.input_value(f"input[name=amount_{second.pk}]") == "50.00"
    page.fill(f"input[name=amount_{first.pk}]", "70,00")
    page.fill(f"input[name=amount_{second.pk}]", "80,00")
    with page.expect_navigation():
        page.click("#by-hand-form button[type=submit]")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outstanding_amount, second.outstanding_amount) == (
        Decimal("30.00"),
        Decimal("20.00"),
    )
    assert BankEntry.objects.get(company=company).match_state == MatchState.CONFIRMED
