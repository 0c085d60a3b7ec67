"""Text limits in banking (issue 11): every column bounded; the bank's text is cut once where it
is taken in (statement files, PSD2) and never refused for its length; a person's text is
refused at its field and nothing changes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from xfinances.banking import actions, cutting
from xfinances.banking import records as rec
from xfinances.banking.actions import sources as source_actions
from xfinances.banking.forms import ProfileForm, ReasonForm, RuleForm
from xfinances.banking.models import (
    BankConnection,
    BankEntry,
    BankRule,
    CsvProfile,
    StatementImport,
    StatementMailbox,
)
from xfinances.banking.psd2.client import BankConfig, PSD2Client
from xfinances.banking.psd2.simulator import SimulatedBank
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.sources import psd2sync
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.core.tests.text_limits import (
    assert_every_text_column_bounded,
    migrate,
    migrate_to_latest,
)
from xfinances.core.text_limits import limit_of
from xfinances.payments.models import Allocation
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(Source.CLI)
IBAN = "BG80BNBG96611020345678"
D1 = dt.date(2026, 11, 2)
LONG_NAME = "Дружество " + "Я" * 4990  # 5,000 characters
LONG_TEXT = "плащане по договор " * 263  # 4,997 characters


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban=IBAN)


def test_every_banking_model_checks_its_text_and_every_column_is_bounded() -> None:
    assert_every_text_column_bounded("banking")


def _camt(rows: list[Row]) -> io.BytesIO:
    out = io.BytesIO()
    camt053(out, iban=IBAN, rows=rows, opening=Decimal("100.00"), date_from=D1, date_to=D1)
    out.seek(0)
    return out


def _stored_cut(account: Any) -> BankEntry:
    entry = BankEntry.objects.get(account=account)
    assert len(entry.counterparty_name) == limit_of(BankEntry, "counterparty_name") == 200
    assert entry.counterparty_name == LONG_NAME[:200]
    assert len(entry.text) == limit_of(BankEntry, "text") == 500
    movement = Movement.objects.get(pk=entry.movement_id)
    assert movement.counterparty_name == entry.counterparty_name
    assert movement.description == entry.text
    return entry


def test_a_camt_statement_with_5000_character_texts_imports_cut_and_keeps_the_original(
    company: Any, account: Any
) -> None:
    rows = [Row(D1, Decimal("25.00"), LONG_NAME, "", LONG_TEXT, bank_id="B-LONG")]
    summary = actions.import_statement(SYSTEM, company, _camt(rows), file_name="x" * 400 + ".xml")
    assert summary.new == 1
    entry = _stored_cut(account)
    raw = Movement.objects.get(pk=entry.movement_id).raw_data
    assert raw["full_counterparty_name"] == LONG_NAME
    assert raw["full_text"] == " ".join(LONG_TEXT.split())
    record = StatementImport.objects.get(company=company)
    assert len(record.file_name) == limit_of(StatementImport, "file_name")
    # The same file again adds nothing: the entry is keyed after the cut, the same each time.
    again = actions.import_statement(SYSTEM, company, _camt(rows), file_name="x.xml")
    assert again.new == 0 and again.duplicates == 1


def test_a_csv_statement_without_bank_ids_imports_cut_and_again_adds_nothing(
    company: Any, account: Any
) -> None:
    data = (
        "Дата;Сума;Валута;Контрагент;Основание\r\n"
        f"03.11.2026;12,50;{account.currency};{LONG_NAME};{LONG_TEXT}\r\n"
    ).encode("cp1251")
    for new in (1, 0):
        summary = actions.import_statement(
            SYSTEM, company, io.BytesIO(data), file_name="s.csv", account=account
        )
        assert summary.new == new
    _stored_cut(account)


def test_cut_entry_leaves_short_text_alone_and_cuts_each_field_to_its_smallest_column() -> None:
    short = rec.BankEntry(
        amount=Decimal("1"), currency="EUR", direction=rec.Direction.CREDIT, booking_date=D1
    )
    assert cutting.cut_entry(short) is short
    long = rec.BankEntry(
        amount=Decimal("1"),
        currency="EUR",
        direction=rec.Direction.CREDIT,
        booking_date=D1,
        reference="RF" + "1" * 100,
        counterparty=rec.Counterparty(name=LONG_NAME, iban="BG" + "9" * 60),
    )
    cut = cutting.cut_entry(long)
    assert len(cut.reference) == 35 and len(cut.counterparty.iban) == 34
    assert cut.raw["full_reference"] == long.reference
    assert cut.raw["full_counterparty_iban"] == long.counterparty.iban


# --------------------------------------------------------------------------- PSD2

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def bank(settings: Any) -> Any:
    settings.BANKING_ALLOW_LOCAL_BANK = True  # the simulated bank listens on loopback
    simulated = SimulatedBank(today=TODAY, page_size=5)
    simulated.add_account(IBAN, name="Разплащателна", balance="1000.00")
    with simulated.running() as running:
        yield running


def _client(bank: SimulatedBank) -> Any:
    def make(connection: BankConnection) -> PSD2Client:
        config = BankConfig(name=connection.name, base_url=bank.base_url, max_retries=1, backoff=0)
        return PSD2Client(config, sleep=lambda s: None, today=lambda: TODAY)

    return make


def test_a_psd2_answer_with_5000_character_texts_is_imported_cut(
    company: Any, account: Any, bank: Any
) -> None:
    bank.add_transaction(
        IBAN, "25.00", booking_date=TODAY - dt.timedelta(days=1), name=LONG_NAME, text=LONG_TEXT
    )
    connection = source_actions.save_source(
        SYSTEM, company, "connection", {"name": "ББР", "base_url": bank.base_url}
    )
    client = _client(bank)(connection)
    source_actions.renew_consent(SYSTEM, connection, client)
    bank.approve(connection.consent_id)
    assert source_actions.confirm_consent(SYSTEM, connection, client) == "valid"
    connection.refresh_from_db()
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    run = psd2sync.sync(connection, now=now, client_factory=_client(bank))
    assert run.new_entries == 1, run.errors
    entry = _stored_cut(account)
    assert entry.text == LONG_TEXT.strip()[:500]


# --------------------------------------------------------------------------- typed by a person


def _too_long(errors: dict[str, Any], field: str, limit: int, count: int) -> None:
    """The field message names the limit and the length given (in the request's language)."""
    assert field in errors, errors
    message = " ".join(str(m) for m in errors[field])
    assert f"{limit} " in message and f"{count})" in message, message


def test_an_over_long_rule_name_is_refused_by_the_api_and_nothing_is_saved(
    company: Any, api_as: Any
) -> None:
    api = api_as(company)
    before = BankRule.objects.filter(company=company).count()
    limit = limit_of(BankRule, "name")
    answer = api.post("/banking/rules", {"name": "Я" * 5000, "category": 1})
    assert answer.status_code == 422, answer.content
    _too_long(answer.json()["errors"], "name", limit, 5000)
    assert BankRule.objects.filter(company=company).count() == before
    answer = api.post("/banking/profiles", {"name": "п" * 121, "data": {}})
    assert answer.status_code == 422
    _too_long(answer.json()["errors"], "name", limit_of(CsvProfile, "name"), 121)
    assert not CsvProfile.objects.filter(company=company).exists()


def test_an_over_long_source_setting_is_refused_naming_the_field(company: Any, api_as: Any) -> None:
    api = api_as(company)
    body = {
        "name": "Поща",
        "host": "imap." + "x" * 300 + ".bg",
        "username": "u",
        "password": "p" * 201,
    }
    answer = api.post("/banking/sources/mailbox", body)
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    _too_long(errors, "host", limit_of(StatementMailbox, "host"), 308)
    _too_long(errors, "password", source_actions.PASSWORD_CHARS, 201)
    assert not StatementMailbox.objects.filter(company=company).exists()


def test_the_sealed_password_of_the_longest_typed_one_fits_its_column() -> None:
    sealed = source_actions.secretbox.seal("𝄞" * source_actions.PASSWORD_CHARS)
    assert len(sealed) <= limit_of(StatementMailbox, "password")


def test_the_database_refuses_over_long_senders_written_around_the_model(company: Any) -> None:
    mailbox = StatementMailbox.objects.create(company=company, name="m", host="h", username="u")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementMailbox.objects.filter(pk=mailbox.pk).update(allowed_senders="a" * 2001)


def test_forms_and_schemas_take_their_limits_from_the_models(client: Any) -> None:
    assert RuleForm.base_fields["name"].max_length == limit_of(BankRule, "name")
    assert RuleForm.base_fields["bank_code"].max_length == limit_of(BankRule, "bank_code")
    assert ProfileForm.base_fields["name"].max_length == limit_of(CsvProfile, "name")
    assert ReasonForm.base_fields["reason"].max_length == limit_of(Allocation, "undo_reason")
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    rule = schemas["RuleIn"]["properties"]["text_pattern"]
    assert any(b.get("maxLength") == 300 for b in [rule, *rule.get("anyOf", [])])


# --------------------------------------------------------------------------- the migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_older_over_long_mailbox_text_fit(company: Any) -> None:
    """Rows from before the limits: a sealed password too long to be real is cleared (a cut
    one could not be opened), the allowed senders keep the whole lines that fit; then the
    constraints hold. On PostgreSQL the data step and the ALTERs share one transaction."""
    mailbox = StatementMailbox.objects.create(company=company, name="m", host="h", username="u")
    senders = "\n".join(f"payer{n:04d}@bank.bg" for n in range(200))  # 17 characters a line
    before, after = (
        [("banking", "0004_bank_rule_category_cascade")],
        [("banking", "0005_text_length_limits")],
    )
    try:
        migrate(before)
        StatementMailbox.objects.filter(pk=mailbox.pk).update(
            password="v1:" + "A" * 5000, allowed_senders=senders
        )
        migrate(after)
    finally:
        migrate_to_latest()
    mailbox.refresh_from_db()
    assert mailbox.password == ""
    kept = mailbox.allowed_senders.split("\n")
    assert len(mailbox.allowed_senders) <= 2000 and kept == senders.split("\n")[: len(kept)]
    assert len(kept) == 111  # 111 lines and their breaks: 1,997 characters
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementMailbox.objects.filter(pk=mailbox.pk).update(password="p" * 1201)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred triggers")
@pytest.mark.django_db(transaction=True)
def test_rows_written_in_the_migrations_own_transaction_do_not_block_its_alters(
    company: Any,
) -> None:
    """A row inserted in the migrating transaction leaves a deferred foreign-key check
    pending; the migration fires it before its ALTER TABLE ("pending trigger events")."""
    before = [("banking", "0004_bank_rule_category_cascade")]
    after = [("banking", "0005_text_length_limits")]
    try:
        migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        with transaction.atomic():
            old.get_model("banking", "StatementMailbox").objects.create(
                company_id=company.pk,
                name="m",
                host="h",
                username="u",
                password="v1:" + "A" * 5000,
                allowed_senders="a@bank.bg\n" * 300,
            )
            migrate(after)
    finally:
        migrate_to_latest()
    mailbox = StatementMailbox.objects.get(company=company)
    assert mailbox.password == "" and len(mailbox.allowed_senders) <= 2000
