"""NAP VAT ledgers and an Ажур export of a month of 200,000 documents.

Rows (milliseconds of this process's CPU for the whole month, one run each; CPU time rather
than wall time because the benchmark machine is shared; peak memory from a separate traced
run):
- nap ledgers: sales records built from plain inputs (90 % sales documents, 10 % supplier
  invoices, generated one at a time, as `accounting/building.py` streams them from the
  database) and rendered to PRODAGBI/POKUPKI/DEKLAR (`accounting/nap.py`);
- ajur export: the same records rendered as Ажур operation and VAT-ledger lines;
- floor: writing the same number of 424-character windows-1251 lines from a prepared list of
  tuples with one f-string each (no records, no VAT columns). Target: at most 5× the floor.
Memory: the records are streamed, so the peak must not grow with the number of documents; the
row "peak memory" shows the traced peak of the NAP run at 200,000 and at 20,000 documents.

`accounting` and `accounting_quick` measure the pure part (records + rendering).
`accounting_db` (200,000, PostgreSQL at BENCH_DATABASE_URL) and `accounting_db_quick` (20,000,
SQLite) add the database reads (`building.py`, keyset chunks of 2,000) through `render_period`,
and trace the peak memory of the export, of the record stream alone, and of an incremental
export of a month already sent (the export states read a chunk at a time).

    python -m bench accounting                       # 200,000 documents
    python -m bench.accounting --quick               # 20,000
    python -m bench accounting_db                    # 200,000 on PostgreSQL
    python -m bench.accounting --db --postgres       # 20,000 on PostgreSQL
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bench import Result, benchmark

GOAL = "≤ 5× floor"
FULL = 200_000
QUICK = 20_000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()


def _inputs(count: int, only: str = "") -> Iterator[Any]:
    """`count` documents of March 2026, one at a time: 9 of 10 sales, 1 of 10 purchases.
    `only` ("sale" or "purchase") builds just those, as the database path reads one table at
    a time (the purchase pass used to build every sale again only to skip it)."""
    from xfinances.accounting.records import (
        GroupInput,
        PartyRecord,
        PurchaseInput,
        PurchaseRowInput,
        SaleInput,
    )

    parties = [
        PartyRecord(
            number=str(i),
            name=f"Клиент {i} ООД",
            eik=f"{100000000 + i}",
            vat_number=f"BG{100000000 + i}",
        )
        for i in range(500)
    ]
    people = PartyRecord(number="p", name="Физическо лице", is_person=True)
    for i in range(count):
        if only and (only == "purchase") != (i % 10 == 9):
            continue
        day = dt.date(2026, 3, 1 + i % 28)
        base = Decimal(100 + i % 900) + Decimal(i % 100) / 100
        vat = (base * Decimal("0.2")).quantize(Decimal("0.01"))
        party = people if i % 7 == 0 else parties[i % 500]
        if i % 10 == 9:
            yield PurchaseInput(
                id=i,
                version=1,
                kind="invoice",
                cancelled=False,
                number=f"{i:010d}",
                issue_date=day,
                tax_event_date=day,
                currency="EUR",
                party=parties[i % 500],
                rows=(PurchaseRowInput(Decimal(20), "full", base, vat, base, vat),),
            )
            continue
        groups: tuple[GroupInput, ...] = (
            GroupInput("standard", Decimal(20), "02-11", base, vat, base, vat),
        )
        if i % 5 == 0:
            groups += (
                GroupInput(
                    "accommodation",
                    Decimal(9),
                    "02-13",
                    base,
                    base * Decimal("0.09"),
                    base,
                    base * Decimal("0.09"),
                ),
            )
        yield SaleInput(
            id=i,
            version=1,
            kind="credit_note" if i % 50 == 0 else "invoice",
            status="issued",
            number=f"{i:010d}",
            issue_date=day,
            tax_event_date=day,
            currency="EUR",
            total=base + vat,
            party=party,
            groups=groups,
            description="Услуги",
        )


def _records(count: int, kind: str, journal: bool = True) -> Iterator[Any]:
    from xfinances.accounting.records import (
        AccountMapping,
        PurchaseInput,
        purchase_record,
        sale_records,
    )

    mapping = AccountMapping()
    for item in _inputs(count, kind):
        if isinstance(item, PurchaseInput):
            if kind == "purchase":
                record = purchase_record(item, "202603", mapping)
                if record is not None:
                    yield record
        elif kind == "sale":
            yield from sale_records(item, "202603", mapping, journal=journal)


def _source(count: int) -> Any:
    from xfinances.accounting.records import RecordKind

    def source(kinds: Any, with_lines: bool = False, with_journal: bool = True) -> Iterator[Any]:
        for kind in (RecordKind.SALE, RecordKind.PURCHASE):
            if kind in kinds:
                yield from _records(count, kind.value, with_journal)

    return source


def _context() -> Any:
    from xfinances.accounting.exporters import ExportContext

    return ExportContext(
        company_name="Бенчмарк ООД",
        company_eik="175074752",
        vat_number="BG175074752",
        period="202603",
    )


def _export(name: str, count: int, folder: str) -> float:
    from xfinances.accounting import exporters
    from xfinances.accounting.exporters import DirectorySink

    exporter = exporters.get(name)
    assert exporter is not None
    sink = DirectorySink(__import__("pathlib").Path(folder))
    start = time.process_time()
    exporter.write(_context(), _source(count), sink)
    seconds = time.process_time() - start
    sink.discard()
    return seconds


def _floor(count: int, folder: str) -> float:
    """Write `count` fixed-width lines from a prepared list: the least any ledger costs."""
    rows = [
        (
            i,
            f"{i:010d}",
            dt.date(2026, 3, 1 + i % 28),
            f"Клиент {i % 500} ООД",
            Decimal(100 + i % 900),
            Decimal(20 + i % 180),
        )
        for i in range(count)
    ]
    start = time.process_time()
    with open(os.path.join(folder, "FLOOR.TXT"), "wb") as out:
        for i, number, day, name, base, vat in rows:
            line = (
                f"{'BG175074752':<15}202603    {i:>15}01{number:<20}{day:%d/%m/%Y}"
                f"{'BG100000000':<15}{name:<50}{'Услуги':<30}{base:>15.2f}{vat:>15.2f}"
                f"{base:>15.2f}{vat:>15.2f}{'':>195}  "
            )
            out.write(line.encode("cp1251") + b"\r\n")
    return time.process_time() - start


def _peak(count: int, folder: str) -> float:
    gc.collect()
    tracemalloc.start()
    _export("nap", count, folder)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def run(count: int) -> list[Result]:
    _setup()
    with tempfile.TemporaryDirectory(prefix="bench-accounting-") as folder:
        floor = _floor(count, folder)
        nap = _export("nap", count, folder)
        ajur = _export("ajur", count, folder)
        peak_full = _peak(count, folder)
        peak_tenth = _peak(max(count // 10, 1), folder)
    label = f"{count:,} documents"
    return [
        Result(f"accounting: floor, {count:,} fixed-width lines", floor * 1000, 1, "prepared list"),
        Result(
            f"accounting: nap ledgers, {label}",
            nap * 1000,
            1,
            f"{nap / floor:.1f}× floor",
            "≤ 5× floor",
        ),
        Result(
            f"accounting: ajur export, {label}",
            ajur * 1000,
            1,
            f"{ajur / floor:.1f}× floor",
            "≤ 5× floor",
        ),
        Result(
            "accounting: peak memory of the nap run",
            None,
            0,
            f"{peak_full:.1f} MB at {count:,}, {peak_tenth:.1f} MB at {max(count // 10, 1):,}",
            "flat",
        ),
    ]


@benchmark("accounting")
def accounting_benchmark(runs: int) -> list[Result]:
    return run(FULL)


@benchmark("accounting_quick")
def accounting_quick(runs: int) -> list[Result]:
    return run(QUICK)


# --- end to end on a database -------------------------------------------------------------------


def _use_database(config: dict[str, Any]) -> None:
    from django.db import connections

    connections["default"].close()
    base = dict(connections.settings["default"])
    base.update(config)
    connections.settings["default"] = base
    del connections["default"]


def _database(use_postgres: bool) -> dict[str, Any]:
    if use_postgres:
        from bench.treasury import _postgres_config

        return _postgres_config("xf_acca")
    path = os.path.join(tempfile.gettempdir(), "xfinances_bench_accounting.sqlite3")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"},
        "TEST": {},
    }


def _load_documents(count: int) -> Any:
    """A company with `count` issued invoices of March 2026 (bulk rows, one VAT group each);
    reused when already there."""
    from django.core.management import call_command
    from django.db import transaction

    from xfinances.catalog.models import VatTreatment
    from xfinances.core import actions
    from xfinances.core.audit import Actor
    from xfinances.core.company_inputs import NewCompanyInput
    from xfinances.core.models import Company, Source
    from xfinances.invoicing.models import Document, DocumentVatGroup

    call_command("migrate", verbosity=0, interactive=False)
    company = Company.objects.filter(eik="175074752").first() or actions.create_company(
        Actor.system(Source.CLI),
        NewCompanyInput.read(
            {"name": "Бенчмарк ООД", "eik": "175074752", "city": "София", "address": "1"}
        ),
    )
    if Document.objects.filter(company=company).count() == count:
        _analyze()
        return company
    Document.objects.filter(company=company).update(exported_at=None)
    DocumentVatGroup.objects.filter(company=company).delete()
    Document.objects.filter(company=company).delete()
    standard = VatTreatment.objects.get(company=company, code="standard")
    for start in range(0, count, 5000):
        with transaction.atomic():
            documents = []
            for i in range(start, min(start + 5000, count)):
                base = Decimal(100 + i % 900)
                documents.append(
                    Document(
                        company=company, kind="invoice", status="issued", number_group="tax",
                        number=f"{i + 1:010d}", issue_date=dt.date(2026, 3, 1 + i % 28),
                        tax_event_date=dt.date(2026, 3, 1 + i % 28), currency="EUR",
                        recipient_kind="company", recipient_name=f"Клиент {i % 500} ООД",
                        recipient_eik=f"{100000000 + i % 500}",
                        recipient_vat_number=f"BG{100000000 + i % 500}",
                        base=base, vat=base / 5, total=base * 6 / 5,
                        eur_base=base, eur_vat=base / 5, eur_total=base * 6 / 5,
                    )
                )  # fmt: skip
            made = Document.objects.bulk_create(documents)
            DocumentVatGroup.objects.bulk_create(
                DocumentVatGroup(
                    company=company, document=d, vat_treatment=standard, vat_code="standard",
                    vat_rate=Decimal(20), nap_column="02-11", lines_net=d.base, base=d.base,
                    vat=d.vat, total=d.total, eur_base=d.base, eur_vat=d.vat, eur_total=d.total,
                )
                for d in made
            )  # fmt: skip
    _analyze()
    return company


def _analyze() -> None:
    """Fresh planner statistics, as a live database has them (autovacuum may be off, as on
    the benchmark machine): without them PostgreSQL takes the freshly loaded tables for empty
    and runs each chunk's `id IN (… LIMIT 2000)` as a nested loop, about 20 s a chunk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run_database(count: int, use_postgres: bool) -> list[Result]:
    """Read `count` documents through `building.py` and render the NAP files and the Ажур file
    (no batch stored: the reads and the rendering the export does)."""
    _setup()
    from pathlib import Path

    from django.db import transaction

    from xfinances.accounting import actions, exporters
    from xfinances.accounting.actions.rendering import context_for
    from xfinances.accounting.building import Period
    from xfinances.accounting.exporters import DirectorySink
    from xfinances.accounting.inputs import ExportInput
    from xfinances.accounting.period_records import records_of
    from xfinances.accounting.records import RecordKind
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source

    _use_database(_database(use_postgres))
    company = _load_documents(count)
    where = "PostgreSQL" if use_postgres else "SQLite"
    rows = []

    def render(name: str, folder: str) -> None:
        exporter = exporters.get(name)
        assert exporter is not None
        actions.render_period(company, exporter, Period(2026, 3), [RecordKind.SALE], Path(folder))

    def stream(name: str, folder: str) -> None:
        exporter = exporters.get(name)
        assert exporter is not None
        period = Period(2026, 3)
        context = context_for(company, period, {"kinds": [RecordKind.SALE]})

        def source(kinds: Any, with_lines: bool = False, with_journal: bool = True) -> Any:
            chosen = [k for k in kinds if k == RecordKind.SALE]
            return records_of(
                company,
                period,
                context.mapping,
                chosen,
                with_lines=with_lines,
                with_journal=with_journal,
            )

        sink = DirectorySink(Path(folder))
        exporter.write(context, source, sink)
        sink.discard()

    def batch(name: str, folder: str) -> None:
        with transaction.atomic():
            actions.export_period(
                Actor.system(Source.CLI),
                company,
                ExportInput(target=name, period=Period(2026, 3), kinds=["sale"]),
            )
            transaction.set_rollback(True)

    def incremental() -> tuple[float, float]:
        """An incremental Ажур export (a destination's hourly run) of a month already sent
        whole: every document's export state is read, a chunk at a time, and nothing is
        pending. Returns (seconds, traced peak MB) of that second run; rolled back after."""
        data = ExportInput(target="ajur", period=Period(2026, 3), kinds=["sale"])
        actor = Actor.system(Source.CLI)
        with transaction.atomic():
            first = actions.export_period(actor, company, data, only_pending=True)
            assert first.records == count, first.records
            gc.collect()
            tracemalloc.start()
            wall = time.perf_counter()
            again = actions.export_period(actor, company, data, only_pending=True)
            seconds = time.perf_counter() - wall
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert again.batch is None
            transaction.set_rollback(True)
        return seconds, peak / 1024 / 1024

    with tempfile.TemporaryDirectory(prefix="bench-accounting-db-") as folder:
        floor = _floor(count, folder)
        rows.append(Result(f"accounting db: floor, {count:,} lines", floor * 1000, 1))
        for name in ("nap", "ajur"):
            gc.collect()
            start, wall = time.process_time(), time.perf_counter()
            render(name, folder)
            cpu, seconds = time.process_time() - start, time.perf_counter() - wall
            rows.append(
                Result(
                    f"accounting db ({where}): {name}, {count:,} documents",
                    cpu * 1000,
                    1,
                    f"{cpu / floor:.1f}× floor CPU; wall {seconds:.1f} s",
                    GOAL,
                )
            )
        # Peak memory from separate traced runs (tracing slows the run: not in the timings):
        # the whole NAP export as `export_period` runs it (batch stored, export states
        # written chunk by chunk, documents locked; rolled back after), and the records
        # streamed into the files alone.
        for name, what, run in (
            ("nap", "export", batch),
            ("nap", "stream", stream),
            ("ajur", "stream", stream),
        ):
            gc.collect()
            tracemalloc.start()
            run(name, folder)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows.append(
                Result(
                    f"accounting db ({where}): peak memory of {name} ({what}), {count:,}",
                    None,
                    0,
                    f"{peak / 1024 / 1024:.1f} MB traced",
                    "flat",
                )
            )
    seconds, peak = incremental()
    rows.append(
        Result(
            f"accounting db ({where}): peak memory of ajur (incremental, all sent), {count:,}",
            None,
            0,
            f"{peak:.1f} MB traced; {seconds:.1f} s wall (traced)",
            "flat",
        )
    )
    return rows


@benchmark("accounting_db_quick")
def accounting_db_quick(runs: int) -> list[Result]:
    return run_database(20_000, use_postgres=False)


@benchmark("accounting_db")
def accounting_db(runs: int) -> list[Result]:
    return run_database(FULL, use_postgres=True)


if __name__ == "__main__":
    if "--db" in sys.argv:
        found = run_database(QUICK, use_postgres="--postgres" in sys.argv)
    else:
        found = run(QUICK if "--quick" in sys.argv else FULL)
    for result in found:
        print(result)
