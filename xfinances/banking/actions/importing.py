"""Importing a statement file: entries stored once, movements in treasury, balances checked.

`import_statement` runs in one transaction: a file that breaks half-way imports nothing and the
error names the line or element. Entries are written in batches of BATCH (bulk inserts through
`treasury.actions.record_bank_movements`), so a 100,000-entry file streams through in bounded
memory. Matching (actions/reconcile.py) runs at the end, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from xfinances.banking import csv_profiles, cutting, detect, matching, queries, read_ahead
from xfinances.banking import records as rec
from xfinances.banking.actions import reconcile
from xfinances.banking.messages import statement_problem
from xfinances.banking.models import (
    BankEntry,
    ImportSource,
    MatchState,
    Statement,
    StatementImport,
)
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import foreign_keys_checked_now, insert_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.identifiers import IdentifierError, clean_iban
from xfinances.core.lookups import AnyOf
from xfinances.core.models import Company, CompanyBankAccount
from xfinances.core.permissions import ensure_can
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import (
    AccountKind,
    MoneyAccount,
    Movement,
    MovementSource,
)

BATCH = 5000
MAX_BYTES = 150 * 1024 * 1024  # a 100,000-entry camt.053 is about 70-120 MB


@dataclass
class ImportSummary:
    """What an import did; `as_dict()` is the CLI's --json and the API's answer."""

    import_id: int | None = None
    account: str = ""
    format: str = ""
    statements: int = 0
    entries: int = 0
    new: int = 0
    duplicates: int = 0
    typed: int = 0  # new entries a person had typed in by hand: linked to that movement
    maybe_typed: int = 0  # new entries a typed movement may be: the review queue asks
    pending: int = 0
    matched: int = 0
    review: int = 0
    balance_breaks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "account": self.account,
            "format": self.format,
            "statements": self.statements,
            "entries": self.entries,
            "new": self.new,
            "duplicates": self.duplicates,
            "typed": self.typed,
            "maybe_typed": self.maybe_typed,
            "pending": self.pending,
            "matched": self.matched,
            "review": self.review,
            "balance_breaks": self.balance_breaks,
        }


def _refuse(message: str) -> InvalidInput:
    return InvalidInput({"file": [message]})


def entry_fingerprint(iban: str, entry: rec.BankEntry) -> str:
    """What makes two entries without a bank id the same payment (shared/domain/banking.md)."""
    parts = (
        iban,
        entry.booking_date.isoformat(),
        f"{entry.amount:.2f}",
        entry.direction.value,
        entry.counterparty.iban,
        " ".join(entry.counterparty.name.split()).casefold(),
        " ".join(entry.text.split()).casefold(),
        entry.end_to_end_id,
        entry.reference,
        "R" if entry.reversal else "",
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _file_digest(source: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while True:
        block = source.read(1 << 20)
        if not block:
            break
        size += len(block)
        if size > MAX_BYTES:
            raise _refuse(
                _("The file is larger than %(mb)s MB: split it by period.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        digest.update(block)
    source.seek(0)
    return digest.hexdigest(), size


def resolve_account(
    actor: Actor, company: Company, iban: str, chosen: MoneyAccount | None
) -> MoneyAccount:
    """The company's account a statement belongs to: the one chosen (which must carry the
    file's IBAN when the file names one), else the treasury account with the IBAN, else the
    company's own bank account with it (made a treasury account now). Otherwise refused."""
    if chosen is not None:
        if chosen.company_id != company.pk:
            raise _refuse(_("No such account in this company."))
        if iban and chosen.iban and chosen.iban != iban:
            raise _refuse(
                _("The file is a statement of %(file)s, not of the chosen account %(chosen)s.")
                % {"file": iban, "chosen": chosen.iban}
            )
        return chosen
    if not iban:
        raise _refuse(_("The file does not name its account: choose the account."))
    found = MoneyAccount.objects.filter(company=company, iban=iban).first()
    if found is not None:
        return found
    if CompanyBankAccount.objects.filter(company=company, iban=iban).exists():
        try:
            clean_iban(iban)
        except IdentifierError:
            pass
        else:
            return treasury_actions.ensure_bank_account(actor, company, iban=iban)
    raise _refuse(
        _("The file is a statement of %(iban)s, which is not one of the company's accounts.")
        % {"iban": iban}
    )


def _movement_row(e: rec.BankEntry) -> dict[str, Any]:
    """The treasury movement of one new entry (treasury.actions.record_bank_movements)."""
    return {
        "date": e.booking_date,
        "amount": e.amount if e.direction == rec.Direction.CREDIT else -e.amount,
        "counterparty_name": e.counterparty.name,
        "counterparty_iban": e.counterparty.iban,
        "description": e.text,
        "bank_reference": e.bank_id,
        "end_to_end_id": e.end_to_end_id,
        "remittance_info": e.reference or e.text,
        "raw_data": {**e.raw, "where": e.source_line},
    }


class _Typed(NamedTuple):
    """What the movements typed in by hand say of a batch's new entries."""

    paired: dict[str, int]  # entry key → the typed movement it takes
    doubtful: set[str]  # keys of entries a typed movement may be: a person says


def _typed_movements(account: MoneyAccount, fresh: list[tuple[str, rec.BankEntry]]) -> _Typed:
    """The movements a person typed in by hand on this account before the statement came, for
    the batch's new entries (`queries.free_typed_movements`: no bank reference of its own, not
    reversed, no entry's yet).

    An entry takes such a movement of its signed amount where the pairing is certain: dated a
    week before to two days after its booking, and the only one for the only such entry of the
    batch. An entry that has not, but for which such a movement exists a month before to a week
    after, is doubtful: it gets its own movement, and the review queue asks a person whether the
    two are one payment, instead of the balance counting it twice unseen."""
    if not fresh:
        return _Typed({}, set())
    days = [e.booking_date for _k, e in fresh]
    first, last = min(days), max(days)
    candidates = queries.free_typed_movements(
        account.company, [account.pk], first - queries.DOUBT_BEFORE, last + queries.DOUBT_AFTER
    ).values_list("pk", "date", "amount")
    by_amount: dict[Decimal, list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, day, amount in candidates:
        by_amount[amount].append((pk, day))
    if not by_amount:
        return _Typed({}, set())  # the common case: nothing typed in by hand around the batch
    signed = {k: e.amount if e.direction == rec.Direction.CREDIT else -e.amount for k, e in fresh}
    booked = {k: e.booking_date for k, e in fresh}
    entries_of: dict[Decimal, list[str]] = defaultdict(list)
    for key, amount in signed.items():
        if amount in by_amount:
            entries_of[amount].append(key)
    paired: dict[str, int] = {}
    for amount, keys in entries_of.items():
        certain = [
            (pk, day)
            for pk, day in by_amount[amount]
            if first - queries.TYPED_BEFORE <= day <= last + queries.TYPED_AFTER
        ]
        if len(keys) != 1 or len(certain) != 1:
            continue  # two stories: a person says
        [(pk, day)] = certain
        if booked[keys[0]] - queries.TYPED_BEFORE <= day <= booked[keys[0]] + queries.TYPED_AFTER:
            paired[keys[0]] = pk
    taken = set(paired.values())
    doubtful = {
        key
        for amount, keys in entries_of.items()
        for key in keys
        if key not in paired
        and any(
            pk not in taken
            and booked[key] - queries.DOUBT_BEFORE <= day <= booked[key] + queries.DOUBT_AFTER
            for pk, day in by_amount[amount]
        )
    }
    return _Typed(paired, doubtful)


class _Run:
    """The state of one import while its events stream through."""

    def __init__(
        self,
        actor: Actor,
        company: Company,
        chosen: MoneyAccount | None,
        record: StatementImport | None,
        summary: ImportSummary,
        progress: Callable[[int], None] | None,
        file_name: str,
        digest: str,
        source_kind: str,
    ) -> None:
        self.actor = actor
        self.company = company
        self.chosen = chosen
        self.record = record
        self.summary = summary
        self.progress = progress
        self.file_name = file_name
        self.digest = digest
        self.source_kind = source_kind
        # Entries a bank connection delivered are its movements, not a statement's.
        self.movement_source = (
            MovementSource.PSD2 if source_kind == ImportSource.PSD2 else MovementSource.STATEMENT
        )
        self.account: MoneyAccount | None = None
        self.statement: Statement | None = None
        self.statement_total = Decimal(0)
        self.statement_entries = 0
        self.statement_new = 0
        self.buffer: list[rec.BankEntry] = []
        self.occurrences: dict[str, int] = {}
        self.new_ids: list[int] = []
        self.typed_references: dict[int, set[str]] = {}

    def begin(self, header: rec.StatementHeader) -> None:
        account = resolve_account(self.actor, self.company, header.account_iban, self.chosen)
        if self.account is not None and account.pk != self.account.pk:
            self.flush()
        self.account = account
        if account.kind != AccountKind.BANK and not self.chosen:
            raise _refuse(_("The account %(name)s is not a bank account.") % {"name": account})
        if header.currency and header.currency != account.currency:
            raise _refuse(
                _("The statement is in %(file)s but the account holds %(account)s.")
                % {"file": header.currency, "account": account.currency}
            )
        if self.record is None:
            self.record = StatementImport.objects.create(
                company=self.company,
                account=account,
                file_name=cutting.cut(StatementImport, "file_name", self.file_name),
                file_sha256=self.digest,
                format=cutting.cut(StatementImport, "format", header.format),
                source=self.source_kind,
                created_by=self.actor.user,
            )
            self.summary.import_id = self.record.pk
            self.summary.account = account.iban
            self.summary.format = header.format
        self.statement = Statement.objects.create(
            company=self.company,
            account=account,
            statement_import=self.record,
            bank_statement_id=cutting.cut(Statement, "bank_statement_id", header.statement_id),
            sequence=cutting.cut(Statement, "sequence", header.sequence),
            currency=header.currency or account.currency,
        )
        self.statement_total = Decimal(0)
        self.statement_entries = 0
        self.statement_new = 0
        self.summary.statements += 1

    def entry(self, entry: rec.BankEntry) -> None:
        # Cut here, once, before the entry is keyed: the bank's text is never refused for
        # its length (banking/cutting.py), and a file read again gives the same keys.
        entry = cutting.cut_entry(entry)
        if self.account is None or self.statement is None:
            raise _refuse(_("An entry outside a statement."))
        if entry.currency and entry.currency != self.account.currency:
            raise InvalidInput(
                {
                    "file": [
                        _("%(where)s: the entry is in %(currency)s, the account in %(account)s.")
                        % {
                            "where": entry.source_line,
                            "currency": entry.currency,
                            "account": self.account.currency,
                        }
                    ]
                }
            )
        self.summary.entries += 1
        if entry.status == rec.BookingStatus.PENDING:
            self.summary.pending += 1  # not money yet: the booked entry comes later
            return
        signed = entry.amount if entry.direction == rec.Direction.CREDIT else -entry.amount
        self.statement_total += signed
        self.statement_entries += 1
        self.buffer.append(entry)
        if len(self.buffer) >= BATCH:
            self.flush()

    def key_of(self, entry: rec.BankEntry) -> str:
        assert self.account is not None
        if entry.bank_id:
            # A bank id seen twice in one run is a second payment, not the first again.
            seen = self.occurrences.get(entry.bank_id, 0) + 1
            self.occurrences[entry.bank_id] = seen
            return f"id:{entry.bank_id}" if seen == 1 else f"id:{entry.bank_id}#{seen}"
        fingerprint = entry_fingerprint(self.account.iban, entry)
        count = self.occurrences.get(fingerprint, 0) + 1
        self.occurrences[fingerprint] = count
        return f"fp:{fingerprint}:{count}"

    def flush(self) -> None:
        """Store the buffered entries that are new: their movements, then the entries."""
        if not self.buffer:
            return
        account = self.account
        assert account is not None and self.statement is not None
        keyed = {self.key_of(entry): entry for entry in self.buffer}
        self.buffer = []
        existing = self._known_keys(account, keyed)
        fresh = [(k, e) for k, e in keyed.items() if k not in existing]
        self.summary.duplicates += len(keyed) - len(fresh)
        if self.progress is not None:
            self.progress(self.summary.entries)
        if not fresh:
            return
        typed, doubtful = _typed_movements(account, fresh)
        self.summary.typed += len(typed)
        self.summary.maybe_typed += len(doubtful)
        # The rows' foreign keys are checked as each batch goes in, while the reader thread
        # reads the next one, not all together at commit (100,000 entries: about 4 s).
        with foreign_keys_checked_now(Movement, BankEntry):
            made = iter(
                treasury_actions.record_bank_movements(
                    self.actor,
                    account,
                    [_movement_row(e) for k, e in fresh if k not in typed],
                    source=self.movement_source,
                )
            )
            movement_ids = [typed[k] if k in typed else next(made) for k, _e in fresh]
            rows = self._entry_rows(account, fresh, movement_ids, doubtful)
            entry_ids = insert_rows(BankEntry, rows)
        self.summary.new += len(rows)
        self.statement_new += len(rows)
        for entry_id, (_key, e) in zip(entry_ids, fresh, strict=True):
            if e.reversal:
                _link_reversal(BankEntry.objects.get(pk=entry_id))
            else:
                self.new_ids.append(entry_id)

    def _known_keys(self, account: MoneyAccount, keyed: dict[str, rec.BankEntry]) -> set[str]:
        """The keys already stored, and the entries a person typed in before the statement
        came (a movement with the bank's reference; read once per account, since statement
        movements are known by their entry keys)."""
        existing = set(
            BankEntry.objects.filter(account=account)
            .filter(AnyOf(F("key"), list(keyed)))
            .values_list("key", flat=True)
        )
        typed = self.typed_references.get(account.pk)
        if typed is None:
            typed = self.typed_references[account.pk] = set(
                Movement.objects.filter(account=account)
                .exclude(source__in=(MovementSource.STATEMENT, MovementSource.PSD2))
                .exclude(bank_reference="")
                .values_list("bank_reference", flat=True)
            )
        if typed:
            existing |= {k for k, e in keyed.items() if e.bank_id and e.bank_id in typed}
        return existing

    def _entry_rows(
        self,
        account: MoneyAccount,
        fresh: list[tuple[str, rec.BankEntry]],
        movement_ids: list[int],
        doubtful: set[str],
    ) -> list[dict[str, Any]]:
        assert self.statement is not None
        company_id, account_id, statement_id = self.company.pk, account.pk, self.statement.pk
        credit = rec.Direction.CREDIT
        none, unmatched = str(MatchState.NONE), str(MatchState.UNMATCHED)
        return [
            {
                "company_id": company_id,
                "account_id": account_id,
                "statement_id": statement_id,
                "key": key[:140],
                "bank_id": e.bank_id,
                "booking_date": e.booking_date,
                "value_date": e.value_date,
                "amount": e.amount if e.direction == credit else -e.amount,
                "currency": account.currency,
                "counterparty_name": e.counterparty.name,
                "counterparty_iban": e.counterparty.iban,
                "reference": e.reference,
                "end_to_end_id": e.end_to_end_id,
                "text": e.text,
                "reversal": e.reversal,
                "movement_id": movement_id,
                "match_state": none if e.reversal else unmatched,
                "maybe_typed": key in doubtful,
                "raw": {"bank_code": e.bank_code} if e.bank_code else {},
            }
            for (key, e), movement_id in zip(fresh, movement_ids, strict=True)
        ]

    def end(self, header: rec.StatementHeader) -> None:
        self.flush()
        statement = self.statement
        assert statement is not None and self.account is not None
        statement.opening_balance = header.opening.amount if header.opening else None
        statement.closing_balance = header.closing.amount if header.closing else None
        statement.date_from = header.date_from or (header.opening.date if header.opening else None)
        statement.date_to = header.date_to or (header.closing.date if header.closing else None)
        statement.movements_total = self.statement_total
        statement.entry_count = self.statement_entries
        if statement.opening_balance is not None and statement.closing_balance is not None:
            statement.difference = (
                statement.opening_balance + self.statement_total - statement.closing_balance
            )
        twin = (
            Statement.objects.filter(
                account=self.account,
                bank_statement_id=statement.bank_statement_id,
                date_from=statement.date_from,
                date_to=statement.date_to,
                opening_balance=statement.opening_balance,
                closing_balance=statement.closing_balance,
            )
            .exclude(pk=statement.pk)
            .exists()
        )
        if twin and not self.statement_new:
            statement.delete()  # the same statement again: nothing new to show
            self.statement = None
            return
        previous = _previous_statement(statement)
        statement.previous = previous
        if (
            previous is not None
            and previous.closing_balance is not None
            and statement.opening_balance is not None
        ):
            statement.gap = statement.opening_balance - previous.closing_balance
        statement.save()
        if statement.difference:
            self.summary.balance_breaks.append(
                _("Statement %(id)s: opening + movements − closing = %(diff)s")
                % {"id": statement.bank_statement_id or statement.pk, "diff": statement.difference}
            )
        if statement.gap:
            self.summary.balance_breaks.append(
                _("Statement %(id)s opens %(gap)s away from the previous closing balance")
                % {"id": statement.bank_statement_id or statement.pk, "gap": statement.gap}
            )
        self.statement = None


def _previous_statement(statement: Statement) -> Statement | None:
    if statement.date_from is None:
        return None
    return (
        Statement.objects.filter(
            company_id=statement.company_id,
            account_id=statement.account_id,
            date_to__isnull=False,
            date_to__lte=statement.date_from,
        )
        .exclude(pk=statement.pk)
        .order_by("-date_to", "-id")
        .first()
    )


def _link_reversal(row: BankEntry) -> None:
    """A reversal takes back the latest earlier entry of the opposite sign and same amount."""
    original = (
        BankEntry.objects.filter(
            account_id=row.account_id,
            amount=-row.amount,
            reversal=False,
            booking_date__lte=row.booking_date,
        )
        .exclude(pk=row.pk)
        .order_by("-booking_date", "-id")
        .first()
    )
    if original is not None:
        row.reversed_entry = original
        row.save(update_fields=["reversed_entry"])


def _consume(run: _Run, events: Iterable[rec.StatementEvent]) -> None:
    try:
        for event in events:
            if isinstance(event, rec.BankEntry):
                run.entry(event)
            elif isinstance(event, rec.StatementBegin):
                run.begin(event.header)
            elif isinstance(event, rec.StatementEnd):
                run.end(event.header)
    except rec.StatementError as error:
        raise _refuse(statement_problem(error)) from None


@transaction.atomic
def import_statement(
    actor: Actor,
    company: Company,
    source: IO[bytes],
    *,
    file_name: str = "",
    account: MoneyAccount | None = None,
    profile: csv_profiles.Profile | None = None,
    import_source: str = ImportSource.UPLOAD,
    progress: Callable[[int], None] | None = None,
    match: bool = True,
) -> ImportSummary:
    """Take in one statement file (camt, MT940, CSV/XLSX). Refused as a whole, naming the line
    or element, when the file is not a statement, is for another account, or is broken."""
    ensure_can(actor, company, "treasury.change")
    if import_source not in ImportSource.values:
        raise InvalidInput({"source": [_("Unknown source.")]})
    digest, size = _file_digest(source)
    if size == 0:
        raise _refuse(_("The file is empty."))
    summary = ImportSummary()
    run = _Run(actor, company, account, None, summary, progress, file_name, digest, import_source)
    try:
        events = detect.read_statement(
            source,
            profile=profile,
            profiles=queries.column_profiles(company),
            account_iban=account.iban if account else "",
        )
    except rec.StatementError as error:
        raise _refuse(statement_problem(error)) from None
    # The file is read in a thread while the batches before are stored (read_ahead.py); the
    # objects alive before are kept out of the collector's rescans meanwhile.
    with matching.long_run():
        _consume(run, read_ahead.read_ahead(events))
    return _finish(actor, company, run, match)


def _finish(actor: Actor, company: Company, run: _Run, match: bool) -> ImportSummary:
    """Match the new entries and write the import's figures (same transaction)."""
    summary = run.summary
    if run.record is None:
        raise _refuse(_("The file holds no statement."))
    if match and run.new_ids:
        result = reconcile.match_entries(actor, company, run.new_ids)
        summary.matched, summary.review = result.matched, result.review
    record = run.record
    record.entries_read = summary.entries
    record.new, record.duplicates = summary.new, summary.duplicates
    record.matched, record.review = summary.matched, summary.review
    record.save()
    audit.record_create(actor, company, "import_statement", record)
    return summary


@transaction.atomic
def import_events(
    actor: Actor,
    company: Company,
    events: Iterable[rec.StatementEvent],
    *,
    name: str,
    import_source: str = ImportSource.PSD2,
    match: bool = True,
) -> ImportSummary:
    """Take in entries that came without a file (a bank connection's sync) through the same
    path as a file: the same keys, so nothing twice; the same matching. `events` are what a
    reader would yield (Begin, entries, End per account)."""
    ensure_can(actor, company, "treasury.change")
    if import_source not in ImportSource.values:
        raise InvalidInput({"source": [_("Unknown source.")]})
    summary = ImportSummary()
    run = _Run(actor, company, None, None, summary, None, name, "", import_source)
    _consume(run, events)
    return _finish(actor, company, run, match)
