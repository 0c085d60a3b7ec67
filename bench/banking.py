"""Statement import, end to end into the database, against only parsing the same file.

Rows (seconds of one run; entries per second and peak memory in the note):
- import camt.053: `banking.actions.import_statement` of a generated 100,000-entry camt.053
  (one statement, Bulgarian names, RF references) into a fresh bank account: read, keys,
  duplicates check, treasury movements, stored entries, balance check, matching.
- parse camt.053 (floor): lxml `iterparse` over the same file extracting the same fields
  (amount, sign, date, bank reference, end-to-end id, RF reference, name, IBAN, text), clearing
  every `Ntry`. Target: import at most 3× the floor.
- import MT940 / parse MT940 (floor: `mt940.parse` of the whole file, cp1251, Options.all()).
Peak memory: the maximum resident size of the child process that ran the step (each step runs
in its own forked process so one step's garbage does not count against the next). Target
under 300 MB.

The full size runs on PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/xfinances_bench); `banking_import_quick` runs 10,000
entries on a throw-away SQLite file.

    python -m bench banking_import           # PostgreSQL, 100,000 entries per format
    python -m bench banking_import_quick     # SQLite, 10,000
    python -m bench.banking --quick          # the same, without the runner
    python -m bench.banking --count 20000 --only mt940   # one format, fewer entries
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import Result, benchmark
from bench.treasury import _company, _migrate, _postgres_config, _sqlite_config, _use_database

FULL = 100_000
QUICK = 10_000
FIRST_DAY = dt.date(2026, 1, 5)
NAMES = (
    "ЕЛТЕХ ЕООД",
    "Бета Софт ООД",
    "Иван Петров",
    "Мобилтел ЕАД",
    "ЧЕЗ Електро АД",
    "АЛФА-М ЕТ",
)
TEXTS = ("ф-ра {n}", "Плащане по фактура № {n:010d}", "inv {n}", "фактура №{n}/05.11.2026", "аванс")


def _say(text: str) -> None:
    print(f"[banking bench] {text}", file=sys.stderr, flush=True)


def _rows(count: int, seed: int) -> Iterator[Any]:
    from xfinances.banking.sample_files import Row

    generator = random.Random(seed)
    for i in range(count):
        day = FIRST_DAY + dt.timedelta(days=i * 300 // count)
        amount = Decimal(generator.randrange(100, 500_000)) / 100
        if generator.random() < 0.3:
            amount = -amount
        n = generator.randrange(1, 10**9)
        yield Row(
            day=day,
            amount=amount,
            name=generator.choice(NAMES),
            iban="BG18RZBB91550123456789" if generator.random() < 0.5 else "",
            text=generator.choice(TEXTS).format(n=n),
            reference=f"RF18{n:012d}" if generator.random() < 0.2 else "",
            end_to_end_id=f"E2E{i}" if generator.random() < 0.5 else "",
            bank_id=f"BNK{seed}{i:08d}",
        )


def _write_files(count: int, folder: Path, iban: str) -> tuple[Path, Path]:
    from xfinances.banking.sample_files import camt053, mt940

    camt_path = folder / f"camt053_{count}.xml"
    mt_path = folder / f"mt940_{count}.sta"
    if not camt_path.exists():
        with camt_path.open("wb") as out:
            camt053(
                out,
                iban=iban,
                rows=_rows(count, 1),
                opening=Decimal("1000000.00"),
                currency="EUR",
                date_from=FIRST_DAY,
                date_to=FIRST_DAY + dt.timedelta(days=300),
            )
    if not mt_path.exists():
        with mt_path.open("wb") as out:
            mt940(
                out,
                iban=iban,
                rows=_rows(count, 2),
                opening=Decimal("1000000.00"),
                currency="EUR",
                date_from=FIRST_DAY,
            )
    return camt_path, mt_path


def parse_camt_floor(path: Path) -> int:
    """lxml iterparse extracting the fields the importer reads, clearing every entry."""
    from lxml import etree

    count = 0
    ns = ""
    for _event, element in etree.iterparse(
        str(path),
        events=("end",),
        tag="{*}Ntry",
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
    ):
        tag = element.tag
        if not ns and tag.startswith("{"):
            ns = tag[: tag.index("}") + 1]
        fields = (
            element.findtext(f"{ns}Amt"),
            element.findtext(f"{ns}CdtDbtInd"),
            element.findtext(f"{ns}BookgDt/{ns}Dt"),
            element.findtext(f"{ns}AcctSvcrRef"),
            element.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}Refs/{ns}EndToEndId"),
            element.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}RmtInf/{ns}Strd/{ns}CdtrRefInf/{ns}Ref"),
            element.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}RmtInf/{ns}Ustrd"),
            element.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}RltdPties/{ns}Dbtr/{ns}Pty/{ns}Nm"),
            element.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}RltdPties/{ns}DbtrAcct/{ns}Id/{ns}IBAN"),
        )
        count += fields[0] is not None
        element.clear()
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return count


def parse_mt940_floor(path: Path) -> int:
    import mt940

    return len(mt940.parse(str(path), encoding="cp1251", options=mt940.Options.all()))


def _child(function: Callable[[], int], conn: Any) -> None:
    from django.db import connections

    for connection in connections.all():
        connection.close()
    start = time.perf_counter()
    try:
        count = function()
        error = ""
    except Exception as exc:  # reported by the parent
        count, error = 0, f"{exc.__class__.__name__}: {exc}"
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send((elapsed, count, peak_kb, error))
    conn.close()


def _in_child(function: Callable[[], int]) -> tuple[float, int, float]:
    """Run `function` in a forked process: (seconds, count, peak resident MB)."""
    from django.db import connections

    for connection in connections.all():
        connection.close()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(function, child))
    process.start()
    elapsed, count, peak_kb, error = parent.recv()
    process.join()
    if error:
        raise RuntimeError(error)
    return elapsed, count, peak_kb / 1024


def _fresh_account(company: Any, iban: str) -> Any:
    """The bench account, emptied of earlier runs' entries (statements, movements)."""
    from django.db import connection

    from xfinances.treasury import actions as treasury_actions
    from xfinances.treasury.models import MoneyAccount

    account = MoneyAccount.objects.filter(company=company, iban=iban).first()
    if account is not None:
        with connection.cursor() as cursor:
            for sql in (
                "DELETE FROM banking_matchproposal WHERE company_id = %s",
                "DELETE FROM banking_bankentry WHERE account_id = %s",
                "DELETE FROM banking_statement WHERE account_id = %s",
                "DELETE FROM banking_statementimport WHERE account_id = %s",
                "DELETE FROM treasury_movement WHERE account_id = %s",
                "DELETE FROM treasury_accountmonthtotal WHERE account_id = %s",
            ):
                cursor.execute(sql, [company.pk if "matchproposal" in sql else account.pk])
            if connection.vendor == "postgresql":
                # The deleted rows of earlier runs would otherwise stay in the indexes (the
                # duplicate check scanned 540,000 dead index entries after a few runs), which
                # a database in use has vacuumed away; fresh statistics too.
                for table in (
                    "banking_matchproposal",
                    "banking_bankentry",
                    "banking_statement",
                    "treasury_movement",
                    "treasury_accountmonthtotal",
                ):
                    cursor.execute(f"VACUUM ANALYZE {table}")
        return account
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source

    return treasury_actions.ensure_bank_account(
        Actor.system(Source.CLI), company, iban=iban, currency="EUR"
    )


def run(
    count: int, use_postgres: bool, formats: tuple[str, ...] = ("camt.053", "MT940")
) -> list[Result]:
    from xfinances.banking import actions
    from xfinances.banking.models import ImportSource
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source

    _use_database(_postgres_config() if use_postgres else _sqlite_config())
    _migrate()
    company = _company()
    iban = "BG80BNBG96611020345678"
    folder = Path(tempfile.gettempdir()) / "xfinances_bench_banking"
    folder.mkdir(exist_ok=True)
    _say(f"writing {count:,}-entry files in {folder}")
    camt_path, mt_path = _write_files(count, folder, iban)
    actor = Actor.system(Source.CLI)
    rows: list[Result] = []
    for label, path, floor in (
        ("camt.053", camt_path, parse_camt_floor),
        ("MT940", mt_path, parse_mt940_floor),
    ):
        if label not in formats:
            continue
        _fresh_account(company, iban)

        def do_import(path: Path = path) -> int:
            with path.open("rb") as source:
                summary = actions.import_statement(
                    actor, company, source, file_name=path.name, import_source=ImportSource.CLI
                )
            return summary.new

        _say(f"parsing {path.name}")
        parse_s, parsed, parse_mb = _in_child(lambda path=path, floor=floor: floor(path))
        _say(f"importing {path.name}")
        import_s, imported, import_mb = _in_child(do_import)
        size_mb = path.stat().st_size / 1e6
        ratio = import_s / parse_s if parse_s else float("nan")
        rows.append(
            Result(
                f"banking import {label} {count:,}",
                import_s * 1000,
                1,
                f"{imported / import_s:,.0f} entries/s, peak {import_mb:.0f} MB, "
                f"file {size_mb:.0f} MB, {ratio:.2f}× parse",
                "target ≤ 3× parse, < 300 MB",
            )
        )
        rows.append(
            Result(
                f"banking parse {label} {count:,} (floor)",
                parse_s * 1000,
                1,
                f"{parsed / parse_s:,.0f} entries/s, peak {parse_mb:.0f} MB",
            )
        )
    return rows


@benchmark("banking_import")
def banking_import(runs: int) -> list[Result]:
    return run(FULL, use_postgres=True)


@benchmark("banking_import_quick")
def banking_import_quick(runs: int) -> list[Result]:
    return run(QUICK, use_postgres=False)


def main(argv: list[str] | None = None) -> int:
    """`--quick` (SQLite, 10,000), `--count N` (PostgreSQL, N entries) and `--only mt940` or
    `--only camt` to profile one step without waiting for the other."""
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    count = int(args[args.index("--count") + 1]) if "--count" in args else FULL
    formats: tuple[str, ...] = ("camt.053", "MT940")
    if "--only" in args:
        wanted = args[args.index("--only") + 1].lower()
        formats = tuple(f for f in formats if f.lower().startswith(wanted))
    if "--quick" in args:
        rows = run(QUICK, use_postgres=False, formats=formats)
    else:
        rows = run(count, use_postgres=True, formats=formats)
    for row in rows:
        print(f"{row.name:40} {row.ms / 1000 if row.ms else 0:8.2f} s  {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
