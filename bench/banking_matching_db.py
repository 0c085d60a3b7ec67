"""Matching on the database, as issue 12 measures it (docs/banking-matching.md).

banking_matching_db: 100,000 incoming payments against 1,000,000 open documents of 50,000
parties on PostgreSQL. bench/banking_data.py generates the set with its known answers; the
parties (with their ЕИК, VAT number and bank accounts), the sales documents, the supplier
invoices, the learned aliases, the bank entries and their treasury movements are written into
the product's own tables with COPY (not timed). Then, each in a fresh process (`spawn`, so the
generated set does not count in its memory):

- floor: one SQL join of the bank entries to the documents on the RF reference, every row
  fetched into Python — the least any matching on the database could cost;
- match: `banking.actions.match_entries`, the production entry point (`xfinances match`, and
  every statement import for its own entries): it reads the open items and the entries from
  the database, builds the index, proposes, and writes the proposals, the payments, their
  allocations and the audit records of the automatic matches through the payments actions;
- writes (after the match, rolled back): the rows the match wrote, written again set-wise —
  one INSERT … SELECT per table into temporary twins, one UPDATE per table it changed — the
  least that recording these matches costs on this database, whatever computes them.

The note gives the ratios match / floor (target ≤ 5×) and writes / floor, payments per
second, the peak resident memory of each process, and the precision and recall of the
automatic matches read back from the stored proposals against the generated answers
(targets ≥ 99.5 % and ≥ 90 %).

The database (BENCH_MATCHING_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/xfinances_bench_matching) is DROPPED and created anew on
every run: point it at a database of its own. `banking_matching_db_quick` runs 5,000 payments
against 50,000 documents on a throw-away SQLite file.

    python -m bench banking_matching_db
    python -m bench banking_matching_db_quick
    python -m bench.banking_matching_db --parties 5000 --payments 10000   # other sizes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bench import Result, benchmark

if TYPE_CHECKING:  # the generator reads Django's settings: imported once Django is set up
    from bench.banking_data import Generated, Quality

BENCH_EIK = "206478354"
OWN_IBAN = "BG80BNBG96611020345678"


@dataclass(frozen=True)
class Size:
    parties: int
    items_per_party: int
    payments: int


FULL = Size(parties=50_000, items_per_party=20, payments=100_000)
QUICK = Size(parties=2_500, items_per_party=20, payments=5_000)


def _say(text: str) -> None:
    print(f"[banking matching db bench] {text}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- the database


def postgres_config(*, recreate: bool) -> dict[str, Any]:
    """The bench database's settings; with `recreate` it is dropped and created empty."""
    import dj_database_url
    import psycopg

    url = os.environ.get(
        "BENCH_MATCHING_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/xfinances_bench_matching",
    )
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    name = config["NAME"]
    with psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=int(config.get("PORT") or 5432),
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        if recreate:
            _say(f"dropping and creating database {name}")
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    config.update(CONN_MAX_AGE=0, OPTIONS={}, TEST={})
    return config


def sqlite_config() -> dict[str, Any]:
    path = os.path.join(tempfile.gettempdir(), "xfinances_bench_matching_db.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"},
        "TEST": {},
    }


def _use_database(config: dict[str, Any]) -> None:
    from django.db import connections

    connections["default"].close()
    base = dict(connections.settings["default"])
    base.update(config)
    connections.settings["default"] = base
    del connections["default"]


# ------------------------------------------------------------------------------ bulk loading


def _filler(model: Any, given: Iterable[str]) -> dict[str, Any]:
    """A value per column the rows do not give: the field's default, else an empty one."""
    from django.db import models
    from django.utils import timezone

    now = timezone.now()
    out: dict[str, Any] = {}
    given = set(given)
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        elif isinstance(field, models.BooleanField):
            value = False
        elif isinstance(field, models.DecimalField | models.IntegerField):
            value = 0
        elif isinstance(field, models.DateTimeField):
            value = now
        elif isinstance(field, models.DateField):
            value = now.date()
        elif isinstance(field, models.JSONField):
            value = {}
        else:
            value = ""
        out[field.attname] = value
    return out


def copy_rows(model: Any, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write `rows` (values of `columns`, the primary key included) into `model`'s table:
    COPY on PostgreSQL, batched executemany elsewhere. Columns not given get `_filler`."""
    from django.db import connection, models

    fill = _filler(model, columns)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = [*columns, *fill]
    db_columns = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)
    json_at = [i for i, n in enumerate(names) if isinstance(fields[n], models.JSONField)]
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    if connection.vendor == "postgresql":
        tail = tuple(fill.values())
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({db_columns}) FROM STDIN") as copy:
                for row in rows:
                    values = list(row + tail)
                    for i in json_at:
                        values[i] = json.dumps(values[i])
                    copy.write_row(values)
                    count += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        return count
    prepared_tail = [fields[n].get_db_prep_save(v, connection) for n, v in fill.items()]
    prep = [fields[n] for n in columns]
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({db_columns}) VALUES ({placeholders})"
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(
                [f.get_db_prep_save(v, connection) for f, v in zip(prep, row, strict=True)]
                + prepared_tail
            )
            count += 1
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    return count


def _base(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0)


@dataclass(frozen=True)
class Loaded:
    """Where the generated ids went: database id = base + generated id (entries: + case)."""

    company_id: int
    party_base: int
    document_base: int
    invoice_base: int
    entry_base: int


def _company() -> Any:
    from xfinances.core import actions
    from xfinances.core.audit import Actor
    from xfinances.core.company_inputs import NewCompanyInput
    from xfinances.core.models import Company, Source

    found = Company.objects.filter(eik=BENCH_EIK).first()
    if found:
        return found
    return actions.create_company(
        Actor.system(Source.CLI),
        NewCompanyInput.read(
            {"name": "Бенчмарк Плащания ООД", "eik": BENCH_EIK, "city": "София", "address": "1"}
        ),
    )


def load(data: Generated) -> Loaded:
    """The generated set into the product's tables (parties, bank accounts of parties,
    documents, supplier invoices, aliases, movements, bank entries)."""
    from django.db import connection, transaction

    from bench.banking_data import TOLERANCE
    from xfinances.banking.models import BankEntry, MatchState, PartyAlias
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source
    from xfinances.invoicing.models import Document
    from xfinances.parties.models import Party, PartyBankAccount
    from xfinances.payments.models import PaymentSettings
    from xfinances.purchases.models import SupplierInvoice
    from xfinances.treasury import actions as treasury_actions
    from xfinances.treasury.models import Movement, MovementSource

    company = _company()
    with transaction.atomic():
        account = treasury_actions.ensure_bank_account(
            Actor.system(Source.CLI), company, iban=OWN_IBAN, currency="EUR"
        )
    PaymentSettings.objects.update_or_create(
        company=company, defaults={"write_off_tolerance_eur": TOLERANCE}
    )
    loaded = Loaded(
        company.pk, _base(Party), _base(Document), _base(SupplierInvoice), _base(BankEntry)
    )
    cid = company.pk
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        copy_rows(
            Party,
            ("id", "company_id", "kind", "name", "eik", "vat_number", "country", "is_client"),
            (
                (loaded.party_base + p.id, cid, "company", p.name, p.eik, f"BG{p.eik}", "BG", True)
                for p in data.parties
            ),
        )
        copy_rows(
            PartyBankAccount,
            ("company_id", "party_id", "iban", "currency", "is_primary"),
            (
                (cid, loaded.party_base + p.id, iban, "EUR", n == 0)
                for p in data.parties
                for n, iban in enumerate(p.ibans)
            ),
        )
        copy_rows(
            PartyAlias,
            ("company_id", "kind", "value", "party_id", "created_at"),
            ((cid, "iban", v, loaded.party_base + pid, now) for v, pid in data.aliases.items()),
        )
        sales = [i for i in data.items if i.kind == "sales"]
        purchases = [i for i in data.items if i.kind == "purchase"]
        copy_rows(
            Document,
            (
                "id",
                "company_id",
                "kind",
                "status",
                "number_group",
                "number",
                "issue_date",
                "tax_event_date",
                "due_date",
                "currency",
                "party_id",
                "recipient_name",
                "rf_reference",
                "total",
                "eur_total",
                "outstanding_amount",
                "version",
            ),
            (
                (
                    loaded.document_base + i.id,
                    cid,
                    "invoice",
                    "issued",
                    "tax",
                    i.number,
                    i.issue_date,
                    i.issue_date,
                    i.due_date,
                    i.currency,
                    loaded.party_base + int(i.party_id or 0),
                    i.party_name,
                    i.reference,
                    i.open_amount,
                    i.open_amount,
                    i.open_amount,
                    1,
                )
                for i in sales
            ),
        )
        copy_rows(
            SupplierInvoice,
            (
                "id",
                "company_id",
                "supplier_id",
                "kind",
                "status",
                "supplier_number",
                "number_key",
                "issue_date",
                "tax_event_date",
                "received_date",
                "due_date",
                "currency",
                "exchange_rate",
                "total",
                "eur_total",
                "remaining",
                "approval_status",
                "version",
            ),
            (
                (
                    loaded.invoice_base + i.id,
                    cid,
                    loaded.party_base + int(i.party_id or 0),
                    "invoice",
                    "registered",
                    i.number,
                    i.number,
                    i.issue_date,
                    i.issue_date,
                    i.issue_date,
                    i.due_date,
                    i.currency,
                    Decimal(1),
                    i.open_amount,
                    i.open_amount,
                    i.open_amount,
                    "not_required",
                    1,
                )
                for i in purchases
            ),
        )
        movement_base = _base(Movement)

        def signed(case: Any) -> Decimal:
            amount = case.incoming.amount
            return amount if case.incoming.direction == "credit" else -amount

        copy_rows(
            Movement,
            (
                "id",
                "company_id",
                "account_id",
                "date",
                "amount",
                "currency",
                "counterparty_name",
                "counterparty_iban",
                "description",
                "bank_reference",
                "end_to_end_id",
                "source",
            ),
            (
                (
                    movement_base + n,
                    cid,
                    account.pk,
                    c.incoming.booking_date,
                    signed(c),
                    c.incoming.currency,
                    c.incoming.counterparty_name,
                    c.incoming.counterparty_iban,
                    c.incoming.text,
                    f"BNK{n:08d}",
                    c.incoming.end_to_end_id,
                    MovementSource.STATEMENT,
                )
                for n, c in enumerate(data.cases, 1)
            ),
        )
        copy_rows(
            BankEntry,
            (
                "id",
                "company_id",
                "account_id",
                "movement_id",
                "key",
                "bank_id",
                "booking_date",
                "value_date",
                "amount",
                "currency",
                "counterparty_name",
                "counterparty_iban",
                "reference",
                "end_to_end_id",
                "text",
                "match_state",
            ),
            (
                (
                    loaded.entry_base + n,
                    cid,
                    account.pk,
                    movement_base + n,
                    f"id:BNK{n:08d}",
                    f"BNK{n:08d}",
                    c.incoming.booking_date,
                    c.incoming.booking_date,
                    signed(c),
                    c.incoming.currency,
                    c.incoming.counterparty_name,
                    c.incoming.counterparty_iban,
                    c.incoming.reference,
                    c.incoming.end_to_end_id,
                    c.incoming.text,
                    MatchState.UNMATCHED,
                )
                for n, c in enumerate(data.cases, 1)
            ),
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh statistics, as autovacuum keeps them in a database in use (not inside a
        # test's transaction, where VACUUM cannot run).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    _say(f"loaded in {time.perf_counter() - started:.1f} s")
    return loaded


# --------------------------------------------------------------------------- the timed steps


def floor_join(company_id: int) -> int:
    """One SQL join of the company's bank entries to its documents on the RF reference,
    every row fetched into Python."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.amount, d.id, d.total, d.party_id"
            " FROM banking_bankentry e JOIN invoicing_document d"
            " ON d.company_id = e.company_id AND d.rf_reference = e.reference"
            " WHERE e.company_id = %s AND e.reference <> ''",
            [company_id],
        )
        return len(cursor.fetchall())


def match(company_id: int) -> int:
    """The production matching run over every unmatched entry of the company."""
    from xfinances.banking import actions
    from xfinances.core.audit import Actor
    from xfinances.core.models import Company, Source

    company = Company.objects.get(pk=company_id)
    result = actions.match_entries(Actor.system(Source.CLI), company)
    return result.matched + result.review + result.unmatched + result.ruled


def _touched(company_id: int) -> list[tuple[Any, str]]:
    """The tables a matching run changes, and which of the company's rows it changed."""
    from xfinances.banking.models import BankEntry
    from xfinances.invoicing.models import Document
    from xfinances.payments.models import DocumentSettlement
    from xfinances.purchases.models import SupplierInvoice

    paid = (
        "IN (SELECT {column} FROM payments_allocation"
        " WHERE company_id = %s AND {column} IS NOT NULL)"
    )
    return [
        (Document, "id " + paid.format(column="document_id")),
        (DocumentSettlement, "document_id " + paid.format(column="document_id")),
        (SupplierInvoice, "id " + paid.format(column="supplier_invoice_id")),
        (BankEntry, "company_id = %s"),
    ]


def write_floor(company_id: int) -> int:
    """A lower bound of writing what the match wrote, measured after it: its payments,
    allocations, proposals and audit records copied by one INSERT … SELECT each into
    temporary twins of their tables (with their indexes, without WAL or foreign-key checks),
    and the documents, settlements, supplier invoices and entries it touched updated in place
    by one UPDATE each; all rolled back. No Python per row, no round trip per row: no
    implementation that records the matches (the issue: allocations through payments, logged)
    can write them faster on this database."""
    from django.db import connection, transaction

    from xfinances.banking.models import MatchProposal
    from xfinances.core.models import AuditEntry
    from xfinances.payments.models import Allocation, Payment

    rows = 0
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Payment, Allocation, MatchProposal, AuditEntry):
            table = model._meta.db_table
            twin = f"bench_twin_{table}"
            if postgres:
                cursor.execute(f"CREATE TEMP TABLE {twin} (LIKE {table} INCLUDING ALL)")
            else:
                cursor.execute(f"CREATE TEMP TABLE {twin} AS SELECT * FROM {table} WHERE 0")
            cursor.execute(
                f"INSERT INTO {twin} SELECT * FROM {table} WHERE company_id = %s", [company_id]
            )
            rows += cursor.rowcount
        for model, where in _touched(company_id):
            pk = model._meta.pk.column
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET {pk} = {pk} WHERE {where}", [company_id]
            )
            rows += cursor.rowcount
        transaction.set_rollback(True)
    return rows


STEPS: dict[str, Callable[[int], int]] = {
    "floor": floor_join,
    "match": match,
    "writes": write_floor,
}


def _peak_mb() -> float:
    """This process's peak resident memory: VmHWM (Linux: of this program only; ru_maxrss
    keeps the high-water mark of the parent that forked it), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step_in_child(step: str, config: dict[str, Any], company_id: int, conn: Any) -> None:
    """A fresh interpreter: Django, the bench database, one step; seconds and peak back."""
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
        import django

        django.setup()
        _use_database(config)
        from django.db import connection

        connection.ensure_connection()
        start = time.perf_counter()
        count = STEPS[step](company_id)
        conn.send((time.perf_counter() - start, count, _peak_mb(), None))
    except BaseException as error:  # reported to the parent
        conn.send((0.0, 0, 0.0, repr(error)))
    finally:
        conn.close()


def timed(step: str, company_id: int, config: dict[str, Any] | None) -> tuple[float, int, float]:
    """Seconds, rows and peak resident MB of one step: in a spawned process when `config`
    is given, else in this process (the peak is then this process's)."""
    if config is None:
        start = time.perf_counter()
        count = STEPS[step](company_id)
        return time.perf_counter() - start, count, _peak_mb()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_step_in_child, args=(step, config, company_id, child))
    process.start()
    child.close()
    seconds, count, peak, error = parent.recv()
    process.join()
    if error:
        raise RuntimeError(f"{step} failed in its process: {error}")
    return seconds, count, peak


# ------------------------------------------------------------------------------ the quality


def quality(data: Generated, loaded: Loaded) -> Quality:
    """Precision and recall of the automatic matches, read back from the stored proposals."""
    from bench.banking_data import Quality
    from xfinances.banking.models import BankEntry, MatchProposal, MatchState

    def truth_of(n: int) -> list[tuple[str, int, Decimal]]:
        return sorted(data.cases[n - 1].truth)

    def ours(allocations: list[Any]) -> list[tuple[str, int, Decimal]]:
        out = []
        for kind, pk, amount in allocations:
            base = loaded.document_base if kind == "sales" else loaded.invoice_base
            out.append((str(kind), int(pk) - base, Decimal(str(amount))))
        return sorted(out)

    states = dict(
        BankEntry.objects.filter(company_id=loaded.company_id).values_list("id", "match_state")
    )
    first = dict(
        MatchProposal.objects.filter(company_id=loaded.company_id, rank=1).values_list(
            "entry_id", "allocations"
        )
    )
    automatic = correct = review = review_right = unmatched = 0
    for entry_id, state in states.items():
        n = entry_id - loaded.entry_base
        if state == MatchState.AUTO:
            automatic += 1
            correct += ours(first[entry_id]) == truth_of(n)
        elif state == MatchState.REVIEW:
            review += 1
            review_right += ours(first.get(entry_id, [])) == truth_of(n)
        elif state == MatchState.UNMATCHED:
            unmatched += 1
    with_answer = sum(1 for c in data.cases if c.truth)
    return Quality(
        len(data.cases), with_answer, automatic, correct, review, review_right, unmatched
    )


# ---------------------------------------------------------------------------------- the run


def _sizes(size: Size) -> str:
    return f"{size.payments:,} payments × {size.parties * size.items_per_party:,} documents"


def run(size: Size, *, config: dict[str, Any] | None = None, isolate: bool = True) -> list[Result]:
    """Generate, load (into `config`'s database, migrated here; None: the current one) and
    time the floor and the match. `isolate`: each step in its own spawned process."""
    from django.core.management import call_command
    from django.db import connection

    from bench.banking_data import generate

    if config is not None:
        _use_database(config)
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        _say(f"migrated in {time.perf_counter() - started:.1f} s")
    label = _sizes(size)
    _say(f"generating {label} of {size.parties:,} parties")
    started = time.perf_counter()
    data = generate(
        parties=size.parties, items_per_party=size.items_per_party, payments=size.payments
    )
    _say(f"generated in {time.perf_counter() - started:.1f} s")
    loaded = load(data)
    step_config = None
    if isolate:
        step_config = dict(connection.settings_dict)
        connection.close()
    _say("floor: one SQL join on the reference")
    floor_s, joined, floor_mb = timed("floor", loaded.company_id, step_config)
    _say(f"floor {floor_s:.2f} s, {joined:,} rows")
    _say("match: banking.actions.match_entries")
    match_s, handled, match_mb = timed("match", loaded.company_id, step_config)
    _say(f"match {match_s:.2f} s, {handled:,} entries")
    _say("writes: what the match wrote, set-wise (a lower bound)")
    writes_s, written, _writes_mb = timed("writes", loaded.company_id, step_config)
    _say(f"writes {writes_s:.2f} s, {written:,} rows")
    found = quality(data, loaded)
    _say(found.summary())
    ratio = match_s / floor_s if floor_s else float("inf")
    writes_ratio = writes_s / floor_s if floor_s else float("inf")
    per_second = size.payments / match_s if match_s else float("inf")
    where = connection.vendor
    return [
        Result(
            f"banking matching db: match_entries ({label}, {where})",
            match_s * 1000,
            1,
            note=f"{per_second:,.0f} payments/s; ratio to floor {ratio:.1f}×; "
            f"peak {match_mb:,.0f} MB; precision {found.precision:.2%}, "
            f"recall {found.recall:.2%}, automatic {found.automatic:,}, "
            f"review {found.review:,}, unmatched {found.unmatched:,}",
            target="≤ 5× floor, precision ≥ 99.5 %, recall ≥ 90 %",
        ),
        Result(
            f"banking matching db: floor, SQL join on reference ({label}, {where})",
            floor_s * 1000,
            1,
            note=f"{joined:,} rows; peak {floor_mb:,.0f} MB",
        ),
        Result(
            f"banking matching db: writes, the match's rows set-wise ({label}, {where})",
            writes_s * 1000,
            1,
            note=f"{written:,} rows inserted or updated; ratio to floor {writes_ratio:.1f}×; "
            f"the match is {match_s / writes_s if writes_s else float('inf'):.1f}× its writes",
        ),
    ]


@benchmark("banking_matching_db")
def banking_matching_db(runs: int) -> list[Result]:
    return run(FULL, config=postgres_config(recreate=True))


@benchmark("banking_matching_db_quick")
def banking_matching_db_quick(runs: int) -> list[Result]:
    return run(QUICK, config=sqlite_config())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.banking_matching_db", description=__doc__
    )
    parser.add_argument("--parties", type=int, default=FULL.parties)
    parser.add_argument("--items-per-party", type=int, default=FULL.items_per_party)
    parser.add_argument("--payments", type=int, default=FULL.payments)
    parser.add_argument("--sqlite", action="store_true", help="a throw-away SQLite file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    size = Size(args.parties, args.items_per_party, args.payments)
    config = sqlite_config() if args.sqlite else postgres_config(recreate=True)
    for row in run(size, config=config):
        print(f"{row.name}: {row.ms / 1000 if row.ms else 0:.2f} s; {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
