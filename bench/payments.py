"""The daily reminder run over a company with 200,000 open documents and 20,000 clients.

Rows (median milliseconds):
- reminder plan: `payments.queries.reminder_plan` — everything the daily run does before it
  writes and sends (open documents with their settled amounts, levels, pauses, the levels each
  document already had, and the pure planning). Sending is excluded.
- floor: ONE SQL query selecting the same due documents (issued invoices/debit notes with an
  open amount and a due date on or before the day the earliest level reaches).
Target: the plan ≤ 5× the floor.

Data: 20,000 clients × 10 invoices, due dates spread over the 120 days before the run day, a
third partly paid, one in ten paid, 100,000 levels already sent. PostgreSQL database
`xfinances_bench_payments` (BENCH_PAYMENTS_DATABASE_URL overrides); `payments_reminders_quick`
uses 2,000 clients and 20,000 documents in a throw-away SQLite file.

    python -m bench payments_reminders          # PostgreSQL, full size
    python -m bench payments_reminders_quick    # SQLite, small
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from bench import Result, benchmark

RUN_DAY = dt.date(2026, 6, 1)
BENCH_EIK = "205711599"


def _say(text: str) -> None:
    print(f"[payments bench] {text}", file=sys.stderr, flush=True)


def _setup(use_postgres: bool) -> None:
    from bench import treasury as helpers

    if use_postgres:
        url = os.environ.get(
            "BENCH_PAYMENTS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/xfinances_bench_payments",
        )
        saved = os.environ.get("BENCH_DATABASE_URL")
        os.environ["BENCH_DATABASE_URL"] = url
        try:
            config = helpers._postgres_config()
        finally:
            if saved is None:
                os.environ.pop("BENCH_DATABASE_URL", None)
            else:
                os.environ["BENCH_DATABASE_URL"] = saved
    else:
        config = helpers._sqlite_config()
        config["NAME"] = config["NAME"].replace("quick", "payments_quick")
    helpers._use_database(config)
    helpers._migrate()


def _load(clients: int, per_client: int) -> Any:
    from xfinances.core import actions as core_actions
    from xfinances.core.audit import Actor
    from xfinances.core.company_inputs import NewCompanyInput
    from xfinances.core.models import Company, Source
    from xfinances.invoicing.models import Document
    from xfinances.parties.models import Party
    from xfinances.payments import actions
    from xfinances.payments.models import DocumentSettlement, ReminderRun, ReminderSent

    system = Actor.system(Source.CLI)
    company = Company.objects.filter(eik=BENCH_EIK).first()
    if company is not None and Document.objects.filter(company=company).count() == (
        clients * per_client
    ):
        return company
    if company is None:
        company = core_actions.create_company(
            system,
            NewCompanyInput.read(
                {"name": "Бенчмарк вземания ООД", "eik": BENCH_EIK, "city": "София", "address": "1"}
            ),
        )
    _say(f"loading {clients:,} clients × {per_client} invoices")
    Party.objects.bulk_create(
        [
            Party(company=company, name=f"Клиент {i}", email=f"c{i}@example.bg")
            for i in range(clients)
        ],
        batch_size=5000,
    )
    party_ids = list(Party.objects.filter(company=company).values_list("id", flat=True))
    generator = random.Random(2026)
    number = 0
    batch: list[Document] = []
    for party_id in party_ids:
        for _n in range(per_client):
            number += 1
            due = RUN_DAY - dt.timedelta(days=generator.randrange(-10, 120))
            total = Decimal(generator.randrange(1000, 500000)) / 100
            batch.append(
                Document(
                    company=company,
                    kind="invoice",
                    status="issued",
                    number_group="tax",
                    number=f"{number:010d}",
                    issue_date=due - dt.timedelta(days=14),
                    tax_event_date=due - dt.timedelta(days=14),
                    due_date=due,
                    currency="EUR",
                    party_id=party_id,
                    base=total,
                    total=total,
                    eur_total=total,
                )
            )
            if len(batch) == 10000:
                Document.objects.bulk_create(batch)
                batch = []
    Document.objects.bulk_create(batch)
    documents = list(Document.objects.filter(company=company).values_list("id", "total"))
    settlements = []
    for pk, total in documents:
        roll = generator.random()
        if roll < 0.1:
            settlements.append(
                DocumentSettlement(document_id=pk, company=company, paid=total, settled=total)
            )
        elif roll < 0.43:
            half = (total / 2).quantize(Decimal("0.01"))
            settlements.append(
                DocumentSettlement(document_id=pk, company=company, paid=half, settled=half)
            )
    DocumentSettlement.objects.bulk_create(settlements, batch_size=10000)
    levels = actions.ensure_default_levels(system, company)
    run = ReminderRun.objects.create(company=company, run_date=RUN_DAY - dt.timedelta(days=1))
    sent = [
        ReminderSent(
            company=company,
            level=levels[generator.randrange(0, 3)],
            document_id=pk,
            party_id=party_ids[0],
            run=run,
            run_date=run.run_date,
        )
        for pk, _t in documents[: len(documents) // 2]
    ]
    ReminderSent.objects.bulk_create(sent, batch_size=10000, ignore_conflicts=True)
    return company


def _median_ms(function: Any, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(clients: int, per_client: int, runs: int, use_postgres: bool) -> list[Result]:
    from django.db import connection

    from xfinances.payments import queries

    _setup(use_postgres)
    company = _load(clients, per_client)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE invoicing_document, payments_documentsettlement, "
                "payments_remindersent"
            )
    first_day = queries.levels_of(company)[0].days_after_due

    def plan() -> Any:
        return queries.reminder_plan(company, RUN_DAY)

    def floor() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.id, d.party_id, d.number, d.currency, d.issue_date, d.due_date,"
                " d.total - COALESCE(s.settled, 0)"
                " FROM invoicing_document d"
                " LEFT JOIN payments_documentsettlement s ON s.document_id = d.id"
                " WHERE d.company_id = %s AND d.status = 'issued'"
                " AND d.kind IN ('invoice', 'debit_note') AND d.party_id IS NOT NULL"
                " AND d.due_date <= %s AND d.total > COALESCE(s.settled, 0)",
                [company.pk, RUN_DAY - dt.timedelta(days=first_day)],
            )
            return cursor.fetchall()

    planned, _levels = plan()
    due = len(floor())
    plan_ms = _median_ms(plan, runs)
    floor_ms = _median_ms(floor, runs)
    ratio = plan_ms / floor_ms if floor_ms else float("inf")
    label = (
        f"{clients * per_client:,} documents, {clients:,} clients, {due:,} due, "
        f"{len(planned.emails):,} e-mails, {connection.vendor}"
    )
    return [
        Result(
            "payments: reminder plan (run without sending)",
            plan_ms,
            runs,
            f"{label}; {ratio:.2f}× the floor",
            "target ≤ 5× the floor",
        ),
        Result("payments: floor (one SQL of the due documents)", floor_ms, runs, label),
    ]


@benchmark("payments_reminders")
def payments_reminders(runs: int) -> list[Result]:
    return run(20_000, 10, min(runs, 5), use_postgres=True)


@benchmark("payments_reminders_quick")
def payments_reminders_quick(runs: int) -> list[Result]:
    return run(2_000, 10, min(runs, 5), use_postgres=False)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.payments")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    rows = (payments_reminders_quick if args.quick else payments_reminders)(args.runs)
    for r in rows:
        print(f"{r.name:50} {r.ms:10.2f} ms  {r.note}  {r.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
