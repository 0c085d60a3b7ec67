"""Banking test data: a statement imported through the action, and a proposal waiting."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from xfinances.banking import actions, csv_profiles
from xfinances.banking.models import (
    BankConnection,
    BankEntry,
    BankRule,
    MatchProposal,
    MatchState,
    PartyAlias,
    PaymentFile,
    Statement,
    StatementMailbox,
    WatchedFolder,
)
from xfinances.banking.sample_files import Row, camt053
from xfinances.core.audit import Actor
from xfinances.core.models import Company, Source
from xfinances.invoicing.tests.factories import bg_client
from xfinances.purchases.models import PaymentBatch
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import MoneyAccount

SYSTEM = Actor.system(Source.CLI)
VALID_IBANS = (
    "BG80BNBG96611020345678",
    "BG18RZBB91550123456789",
    "BG98STSA93000000123456",
    "BG69UNCR70000015123456",
    "BG85FINV91500010123456",
    "BG95UBBS80020012345678",
)


def bank_account(company: Company) -> MoneyAccount:
    """A bank money account of `company` with an IBAN it does not use yet."""
    used = set(MoneyAccount.objects.filter(company=company).values_list("iban", flat=True))
    iban = next(i for i in VALID_IBANS if i not in used)
    return treasury_actions.ensure_bank_account(SYSTEM, company, iban=iban, currency="EUR")


def imported_statement(company: Company, rows: list[Row] | None = None) -> Statement:
    account = bank_account(company)
    day = dt.date.today()
    out = io.BytesIO()
    camt053(
        out,
        iban=account.iban,
        rows=rows or [Row(day, Decimal("12.00"), "Клиент", "", "плащане")],
        opening=Decimal("0"),
        date_from=day,
        date_to=day,
    )
    out.seek(0)
    summary = actions.import_statement(SYSTEM, company, out, match=False)
    return Statement.objects.get(statement_import_id=summary.import_id)


def isolation_objects(company: Company) -> dict[str, Any]:
    statement = imported_statement(company)
    entry = BankEntry.objects.filter(statement=statement).first()
    assert entry is not None
    entry.match_state = MatchState.REVIEW
    entry.save(update_fields=["match_state"])
    proposal = MatchProposal.objects.create(
        company=company, entry=entry, score=50, reasons=[["date_before_issue", {}]], allocations=[]
    )
    # The automatic sources' pages: a folder (any kind of source would do) and a connection.
    folder = WatchedFolder.objects.create(company=company, name="Папка", path="/nonexistent")
    connection = BankConnection.objects.create(
        company=company, name="Банка", base_url="https://127.0.0.1:9/psd2"
    )
    mailbox = StatementMailbox.objects.create(
        company=company, name="Поща", host="imap.example.bg", username="u@example.bg",
        auth="oauth2", oauth_token_url="https://t.example/token",
        oauth_authorize_url="https://t.example/authorize", oauth_client_id="c",
    )  # fmt: skip
    rule = BankRule.objects.filter(company=company).first()
    assert rule is not None  # seeded when the company was created
    profile = actions.create_profile(
        SYSTEM, company, name="Моята банка", data=csv_profiles.builtin("bg-csv").to_dict()
    )
    # A payment file as kept (its batch is empty: only the pages that show it are walked).
    batch = PaymentBatch.objects.create(company=company)
    payment_file = PaymentFile.objects.create(
        company=company,
        batch=batch,
        account_id=statement.account_id,
        schema="pain.001.001.09",
        reference=f"B{batch.pk}",
        message_id=f"XF-B{batch.pk}-1",
        execution_date=dt.date.today(),
        transfers=0,
        total=Decimal("0"),
        content=b"<Document/>",
        sha256="0" * 64,
    )
    alias = PartyAlias.objects.create(
        company=company, kind="iban", value="BG18RZBB91550123456789", party=bg_client(company)
    )
    return {
        "alias_id": alias.pk,
        "payment_file_id": payment_file.pk,
        "source_kind": "folder",
        "source_id": folder.pk,
        "connection_id": connection.pk,
        "mailbox_id": mailbox.pk,
        "rule_id": rule.pk,
        "profile_id": profile.pk,
        "key": f"company-{profile.pk}",
        "statement_id": statement.pk,
        "entry_id": entry.pk,
        "proposal_id": proposal.pk,
        "money_account_id": statement.account_id,
    }
