"""Sales documents: issuing throughput and the documents list page at scale.

invoicing_issue: documents/second issuing three-line invoices through `actions.issue_document`
(numbering lock, lines, VAT groups, totals, audit; PDF off: INVOICING_RENDER_PDF=False), and
the floor: the same rows (document, 3 lines, VAT group, audit row, series update) written with
plain `executemany`, one transaction per document, in the same run. Target: the action costs at
most 3× the floor. The timed loop includes the caller's read of each draft; the note also gives
the queries (database round trips, BEGIN and COMMIT included) of one issue.

invoicing_list: server time of the documents list page (Django test client, signed in) on a
company with 1,000,000 documents: p50 and p95 over several filter combinations and pages deep
in the keyset. Target: p95 under 50 ms.

Full size on PostgreSQL in a dedicated database `xfinances_bench_invoicing` (created and migrated
by the bench; the million rows are generated server-side once and reused by later runs).
`--quick` (or the `*_quick` benchmarks) runs small sizes on a throw-away SQLite file.

    python -m bench invoicing_issue invoicing_list        # PostgreSQL, full size
    python -m bench invoicing_issue_quick invoicing_list_quick
    python -m bench.invoicing --quick

BENCH_INVOICING_DATABASE_URL overrides the PostgreSQL address
(default postgres://postgres@127.0.0.1:5432/xfinances_bench_invoicing).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench import Result, benchmark

BENCH_EIK = "175074752"
ISSUE_DAY = dt.date(2026, 6, 1)


@dataclass(frozen=True)
class Size:
    issues: int
    documents: int  # in the list company
    parties: int


FULL = Size(issues=10_000, documents=1_000_000, parties=2_000)
QUICK = Size(issues=200, documents=5_000, parties=50)


def _say(text: str) -> None:
    print(f"[invoicing bench] {text}", file=sys.stderr, flush=True)


def _use_database(config: dict[str, Any]) -> None:
    from django.db import connections

    connections["default"].close()
    base = dict(connections.settings["default"])
    base.update(config)
    connections.settings["default"] = base
    del connections["default"]


def _postgres_config() -> dict[str, Any]:
    import dj_database_url
    import psycopg

    url = os.environ.get(
        "BENCH_INVOICING_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/xfinances_bench_invoicing",
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
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            _say(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')
    config.update(CONN_MAX_AGE=0, OPTIONS={}, TEST={})
    return config


def _sqlite_config(path: str | None = None) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path or os.path.join(tempfile.gettempdir(), "xfinances_bench_invoicing.sqlite3"),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"},
        "TEST": {},
    }


def _prepare(use_postgres: bool, sqlite_path: str | None = None) -> None:
    from django.conf import settings
    from django.core.management import call_command

    settings.INVOICING_RENDER_PDF = False
    _use_database(_postgres_config() if use_postgres else _sqlite_config(sqlite_path))
    call_command("migrate", verbosity=0, interactive=False)


def _company(eik: str, name: str) -> Any:
    from xfinances.core import actions
    from xfinances.core.audit import Actor
    from xfinances.core.company_inputs import NewCompanyInput
    from xfinances.core.models import Company, Source

    found = Company.objects.filter(eik=eik).first()
    if found:
        return found
    return actions.create_company(
        Actor.system(Source.CLI),
        NewCompanyInput.read({"name": name, "eik": eik, "city": "София", "address": "ул. Шипка 1"}),
    )


def _party(company: Any, n: int = 0) -> Any:
    from xfinances.parties.models import Party

    found = Party.objects.filter(company=company, name=f"Клиент {n}").first()
    if found:
        return found
    return Party.objects.create(
        company=company,
        kind="company",
        name=f"Клиент {n}",
        eik="121759222",
        vat_number="BG121759222",
        country="BG",
        city="София",
        address="бул. Витоша 1",
    )


LINES = [
    {
        "description": "Абонамент",
        "quantity": "1",
        "unit_price": "100.00",
        "vat_treatment": "standard",
    },
    {
        "description": "Поддръжка",
        "quantity": "3",
        "unit_price": "45.50",
        "vat_treatment": "standard",
    },
    {"description": "Хостинг", "quantity": "2", "unit_price": "12.00", "vat_treatment": "standard"},
]


# --- issuing -----------------------------------------------------------------------------------


def _clone_drafts(template: Any, count: int) -> list[int]:
    """`count` drafts like `template` (made by the action), written in bulk."""
    from xfinances.invoicing.models import Document, DocumentLine, DocumentVatGroup

    lines = list(DocumentLine.objects.filter(document=template).order_by("position"))
    groups = list(DocumentVatGroup.objects.filter(document=template))
    ids: list[int] = []
    for start in range(0, count, 2000):
        clones = []
        for _ in range(min(2000, count - start)):
            clone = copy.copy(template)
            clone.pk = None
            clones.append(clone)
        created = Document.objects.bulk_create(clones)
        rows, vat = [], []
        for document in created:
            for line in lines:
                row = copy.copy(line)
                row.pk, row.document = None, document
                rows.append(row)
            for group in groups:
                g = copy.copy(group)
                g.pk, g.document = None, document
                vat.append(g)
        DocumentLine.objects.bulk_create(rows)
        DocumentVatGroup.objects.bulk_create(vat)
        ids += [d.pk for d in created]
    return ids


def _row_sql(model: Any, instance: Any, connection: Any) -> tuple[str, list[Any], int]:
    """INSERT … VALUES for `instance` (all concrete columns but the id); index of `number`."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    where = next((i for i, f in enumerate(fields) if f.name == "number"), -1)
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"
    return sql, values, where


def _floor_per_document(issued: Any, count: int) -> float:
    """Seconds per document writing the rows an issue writes, with plain SQL: the document,
    3 lines, its VAT group rows, one audit row and the series counter; one transaction each."""
    from django.db import connection, transaction

    from xfinances.core.models import AuditEntry
    from xfinances.invoicing.models import Document, DocumentLine, DocumentVatGroup

    doc_sql, doc_values, number_at = _row_sql(Document, issued, connection)
    lines = list(DocumentLine.objects.filter(document=issued).order_by("position"))
    groups = list(DocumentVatGroup.objects.filter(document=issued))
    audit = AuditEntry.objects.filter(object_id=str(issued.pk)).order_by("-id").first()
    line_sql, _, _ = _row_sql(DocumentLine, lines[0], connection)
    group_sql, _, _ = _row_sql(DocumentVatGroup, groups[0], connection)
    document_field = 1  # the document id follows company_id in the line and group rows
    line_rows = [_row_sql(DocumentLine, line, connection)[1] for line in lines]
    group_rows = [_row_sql(DocumentVatGroup, group, connection)[1] for group in groups]
    audit_sql, audit_values, _ = _row_sql(AuditEntry, audit, connection) if audit else ("", [], -1)
    line_doc = [f.name for f in DocumentLine._meta.concrete_fields if not f.primary_key].index(
        "document"
    )
    group_doc = [f.name for f in DocumentVatGroup._meta.concrete_fields if not f.primary_key].index(
        "document"
    )
    assert document_field >= 0
    returning = " RETURNING id" if connection.vendor == "postgresql" else ""
    started = time.perf_counter()
    for n in range(count):
        values = list(doc_values)
        values[number_at] = f"{9_000_000_000 + n:010d}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(doc_sql + returning, values)
            pk = cursor.fetchone()[0] if returning else cursor.lastrowid
            cursor.executemany(
                line_sql, [[*row[:line_doc], pk, *row[line_doc + 1 :]] for row in line_rows]
            )
            cursor.executemany(
                group_sql, [[*row[:group_doc], pk, *row[group_doc + 1 :]] for row in group_rows]
            )
            if audit_sql:
                cursor.execute(audit_sql, audit_values)
            cursor.execute(
                "UPDATE invoicing_numberseries SET next_number = next_number + 1,"
                " last_issue_date = %s WHERE id = %s",
                [issued.issue_date, issued.series_id],
            )
    return (time.perf_counter() - started) / count


def run_issue(size: Size, use_postgres: bool, sqlite_path: str | None = None) -> list[Result]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xfinances.core.audit import Actor
    from xfinances.core.models import Source
    from xfinances.invoicing import actions, inputs
    from xfinances.invoicing.models import Document

    _prepare(use_postgres, sqlite_path)
    company = _company(BENCH_EIK, "Издаване ООД")
    Document.objects.filter(company=company).update(corrected_document=None, proforma=None)
    from xfinances.invoicing.models import DocumentLine, DocumentPdf, NumberSeries

    DocumentLine.objects.filter(company=company).delete()
    DocumentPdf.objects.filter(company=company).delete()
    Document.objects.filter(company=company).delete()
    NumberSeries.objects.filter(company=company).delete()
    actor = Actor.system(Source.CLI)
    header = inputs.draft(party=_party(company), lines=LINES, issue_date=ISSUE_DAY)
    template = actions.create_draft(actor, company, header, today=ISSUE_DAY)
    ids = _clone_drafts(template, size.issues + 2)
    template.delete()
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum keeps them in real use: right after a bulk load the
        # planner thinks the tables are empty and the row-lock query scans (22 ms, not 1).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE invoicing_document, invoicing_documentline")
    _say(f"{len(ids)} drafts ready; issuing {size.issues} through the action")
    warm = Document.objects.select_related("company").get(pk=ids[0])
    first = actions.issue_document(actor, warm, today=ISSUE_DAY).document
    # The statements of one issue (the caller's read of the draft not counted), outside the timing.
    counted = Document.objects.select_related("company").get(pk=ids[1])
    with CaptureQueriesContext(connection) as statements:
        actions.issue_document(actor, counted, today=ISSUE_DAY)
    queries = len(statements.captured_queries)
    started = time.perf_counter()
    for pk in ids[2:]:
        document = Document.objects.select_related("company").get(pk=pk)
        actions.issue_document(actor, document, today=ISSUE_DAY)
    action_s = (time.perf_counter() - started) / size.issues
    numbers = list(
        Document.objects.filter(company=company, status="issued")
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == [f"{n:010d}" for n in range(1, size.issues + 3)], "numbers not gapless"
    _say("floor: the same rows with executemany")
    floor_s = _floor_per_document(first, size.issues)
    label = f"{size.issues:,} three-line invoices, {connection.vendor}"
    ratio = action_s / floor_s if floor_s else float("inf")
    return [
        Result(
            "invoicing: issue_document",
            action_s * 1000,
            size.issues,
            f"{label}; {1 / action_s:.0f} documents/s; {ratio:.2f}× the floor;"
            f" {queries} queries per issue",
            "target ≤ 3× the floor",
        ),
        Result(
            "invoicing: floor (executemany per document)",
            floor_s * 1000,
            size.issues,
            f"{label}; {1 / floor_s:.0f} documents/s",
        ),
    ]


# --- list page ---------------------------------------------------------------------------------

LIST_EIK = "201522398"
FIRST_DAY = dt.date(2021, 1, 1)
DAYS = 5 * 365


def _column_defaults(model: Any) -> dict[str, str]:
    """A SQL expression per column that needs a value (empty text, zero, false, '[]')."""
    from django.db import models

    out: dict[str, str] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.null:
            continue
        if isinstance(f, models.BooleanField):
            out[f.column] = "false"
        elif isinstance(f, models.JSONField):
            out[f.column] = "'[]'"
        elif isinstance(f, models.DecimalField | models.IntegerField):
            out[f.column] = "0"
        elif isinstance(f, models.DateTimeField):
            out[f.column] = "now()"
        elif isinstance(f, models.DateField):
            out[f.column] = "date '2021-01-01'"
        else:
            out[f.column] = "''"
    return out


def _load_list(company: Any, size: Size) -> None:
    from django.db import connection, transaction

    from xfinances.invoicing.models import Document
    from xfinances.parties.models import Party

    have = Document.objects.filter(company=company).count()
    if have >= size.documents:
        _say(f"reusing {have:,} documents")
        return
    parties = list(Party.objects.filter(company=company).values_list("pk", flat=True))
    if len(parties) < size.parties:
        Party.objects.bulk_create(
            [
                Party(
                    company=company,
                    kind="company",
                    name=f"Клиент {n} ООД",
                    eik="",
                    country="BG",
                    city="София",
                )
                for n in range(len(parties), size.parties)
            ],
            batch_size=2000,
        )
        parties = list(Party.objects.filter(company=company).values_list("pk", flat=True))
    Document.objects.filter(company=company).delete()
    started = time.perf_counter()
    values = _column_defaults(Document)
    kinds = (
        "(ARRAY['invoice','invoice','invoice','invoice','invoice','invoice',"
        "'credit_note','proforma','debit_note','protocol'])[1 + g %% 10]"
    )
    special = {
        "company_id": "%(company)s",
        "kind": kinds,
        "status": (
            "CASE WHEN g %% 50 = 0 THEN 'draft' WHEN g %% 97 = 0 THEN 'voided' ELSE 'issued' END"
        ),
        "number_group": f"CASE WHEN {kinds} = 'proforma' THEN 'proforma' ELSE 'tax' END",
        "number": "CASE WHEN g %% 50 = 0 THEN NULL ELSE lpad(g::text, 10, '0') END",
        "issue_date": "date '2021-01-01' + (g::bigint * %(days)s / %(count)s)::int",
        "tax_event_date": "date '2021-01-01' + (g::bigint * %(days)s / %(count)s)::int",
        "due_date": "date '2021-01-31' + (g::bigint * %(days)s / %(count)s)::int",
        "party_id": "(%(parties)s::bigint[])[1 + g %% %(party_count)s]",
        "recipient_name": "'Клиент ' || (g %% %(party_count)s) || ' ООД'",
        "recipient_eik": "'121759222'",
        "currency": "'EUR'",
        "total": "((g::bigint * 7919) %% 500000) / 100.0 + 1",
        "base": "((g::bigint * 7919) %% 500000) / 120.0",
        "search_text": (
            "lpad(g::text, 10, '0') || ' клиент ' || (g %% %(party_count)s)"
            " || ' ооод услуга ' || (g %% 1000)"
        ),
        "version": "1",
    }
    values.update(special)
    columns = ", ".join(values)
    params = {
        "company": company.pk,
        "days": DAYS,
        "count": size.documents,
        "parties": parties,
        "party_count": len(parties),
    }
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"INSERT INTO invoicing_document ({columns}) SELECT {', '.join(values.values())}"
                " FROM generate_series(1, %(count)s) AS g",
                params,
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE invoicing_document")
    else:
        _load_list_sqlite(company, size, parties)
    _say(f"{size.documents:,} documents in {time.perf_counter() - started:.1f}s")


def _load_list_sqlite(company: Any, size: Size, parties: list[int]) -> None:
    """Small sizes on SQLite: rows from Python, executemany in batches."""
    from django.db import connection, transaction

    from xfinances.invoicing.models import Document

    kinds = ["invoice"] * 6 + ["credit_note", "proforma", "debit_note", "protocol"]
    defaults = _column_defaults(Document)
    rows = []
    for g in range(1, size.documents + 1):
        kind = kinds[g % 10]
        day = FIRST_DAY + dt.timedelta(days=g * DAYS // size.documents)
        draft = g % 50 == 0
        rows.append(
            Document(
                company=company,
                kind=kind,
                status="draft" if draft else ("voided" if g % 97 == 0 else "issued"),
                number_group="proforma" if kind == "proforma" else "tax",
                number=None if draft else f"{g:010d}",
                issue_date=day,
                tax_event_date=day,
                due_date=day + dt.timedelta(days=30),
                party_id=parties[g % len(parties)],
                recipient_name=f"Клиент {g % len(parties)} ООД",
                currency="EUR",
                total=Decimal((g * 7919) % 500000) / 100 + 1,
                search_text=f"{g:010d} клиент {g % len(parties)} ооод услуга {g % 1000}",
            )
        )
    assert defaults
    with transaction.atomic():
        Document.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_list(
    size: Size, runs: int, use_postgres: bool, sqlite_path: str | None = None
) -> list[Result]:
    from django.db import connection
    from django.test import Client

    from xfinances.core.models import Membership, User
    from xfinances.invoicing.models import Document

    _prepare(use_postgres, sqlite_path)
    company = _company(LIST_EIK, "Милион ООД")
    _load_list(company, size)
    user = User.objects.filter(email="bench-list@example.bg").first() or User.objects.create_user(
        email="bench-list@example.bg", password="bench-list-password"
    )
    Membership.objects.get_or_create(company=company, user=user, defaults={"role": "owner"})
    client = Client()
    client.force_login(user)
    url = f"/c/{company.eik}/documents/"
    party_id = Document.objects.filter(company=company).values_list("party_id", flat=True).first()
    deep = (
        Document.objects.filter(company=company)
        .order_by("-issue_date", "-id")
        .values_list("issue_date", "id")[size.documents // 2 : size.documents // 2 + 1]
    )
    deep_cursor = f"{deep[0][0].isoformat()}_{deep[0][1]}" if deep else ""
    deep_issued = (
        Document.objects.filter(company=company, kind="invoice", status="issued")
        .order_by("-issue_date", "-id")
        .values_list("issue_date", "id")[size.documents // 4 : size.documents // 4 + 1]
    )
    deep_issued_cursor = (
        f"{deep_issued[0][0].isoformat()}_{deep_issued[0][1]}" if deep_issued else ""
    )
    cases: dict[str, dict[str, Any]] = {
        "no filter": {},
        "kind+status": {"kind": "invoice", "status": "issued"},
        "party": {"party": party_id},
        "dates": {"date_from": "2023-03-01", "date_to": "2023-04-30"},
        "amount": {"amount_min": "1000", "amount_max": "1200"},
        "search": {"q": "клиент 17"},
        # A term no document has: without the trigram index every document is read (420 ms).
        "rare search": {"q": "несъществуващ"},
        "overdue": {"overdue": "on"},
        "deep page": {"after": deep_cursor},
        "kind+status deep": {"kind": "invoice", "status": "issued", "after": deep_issued_cursor},
        "party+status": {"party": party_id, "status": "issued"},
    }
    per_case: dict[str, list[float]] = {}
    every: list[float] = []
    for name, query in cases.items():
        response = client.get(url, query)
        assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url, query)
            times.append((time.perf_counter() - started) * 1000)
        per_case[name] = times
        every += times
    label = f"{size.documents:,} documents, {connection.vendor}"
    rows = [
        Result(
            "invoicing list page: all cases p50",
            statistics.median(every),
            len(every),
            f"{label}; p95 {_percentile(every, 0.95):.1f} ms",
            "target p95 < 50 ms",
        )
    ]
    for name, times in per_case.items():
        rows.append(
            Result(
                f"invoicing list page: {name}",
                statistics.median(times),
                len(times),
                f"p95 {_percentile(times, 0.95):.1f} ms",
            )
        )
    return rows


@benchmark("invoicing_issue")
def invoicing_issue(runs: int) -> list[Result]:
    return run_issue(FULL, use_postgres=True)


@benchmark("invoicing_issue_quick")
def invoicing_issue_quick(runs: int) -> list[Result]:
    return run_issue(QUICK, use_postgres=False)


@benchmark("invoicing_list")
def invoicing_list(runs: int) -> list[Result]:
    return run_list(FULL, min(runs, 40), use_postgres=True)


@benchmark("invoicing_list_quick")
def invoicing_list_quick(runs: int) -> list[Result]:
    return run_list(QUICK, min(runs, 10), use_postgres=False)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.invoicing")
    parser.add_argument("--quick", action="store_true", help="small sizes on SQLite")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("which", nargs="*", default=["issue", "list"])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    size = QUICK if args.quick else FULL
    rows: list[Result] = []
    if "issue" in args.which:
        rows += run_issue(size, use_postgres=not args.quick)
    if "list" in args.which:
        rows += run_list(size, args.runs, use_postgres=not args.quick)
    for r in rows:
        print(f"{r.name:50} {r.ms or 0:10.2f} ms  {r.note}  {r.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
