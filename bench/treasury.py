"""Balances of a tree of 1,000 money accounts with 5,000,000 movements at an arbitrary date.

Rows (median milliseconds over `runs` calls at each of several random dates):
- own_balances + roll_up: the path the app uses for a tree of balances
  (`treasury.queries.own_balances`: month totals before the month + that month's movements, then
  `balances.roll_up` through the tree). Target: at most 3× the floor.
- account_tree: the whole page query (adds exchange rates, ordering, EUR totals).
- floor: one `SELECT account_id, SUM(amount) … WHERE date <= %s GROUP BY account_id` over the
  same rows (without the roll-up).

Data: 10 roots × 9 children × 10 grandchildren = 1,000 accounts, movements spread over ten
years. The full size runs on PostgreSQL in a dedicated database `xfinances_bench` (created,
migrated and loaded once; later runs reuse it when it already holds the data). `--quick`
(or the `treasury_balances_quick` benchmark) uses 100 accounts and 200,000 movements in a
throw-away SQLite file, a minute at most.

    python -m bench treasury_balances          # PostgreSQL, full size
    python -m bench treasury_balances_quick    # SQLite, small
    python -m bench.treasury --quick           # the same, without the runner

BENCH_DATABASE_URL overrides the PostgreSQL address
(default postgres://postgres@127.0.0.1:5432/xfinances_bench).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench import Result, benchmark

BENCH_EIK = "131468980"
FIRST_DAY = dt.date(2016, 1, 1)
YEARS = 10


@dataclass(frozen=True)
class Size:
    roots: int
    children: int
    grandchildren: int
    movements: int

    @property
    def accounts(self) -> int:
        return self.roots * (1 + self.children * (1 + self.grandchildren))


FULL = Size(10, 9, 10, 5_000_000)
QUICK = Size(10, 3, 2, 200_000)  # 10 + 30 + 60 = 100 accounts


def _say(text: str) -> None:
    print(f"[treasury bench] {text}", file=sys.stderr, flush=True)


def _use_database(config: dict[str, Any]) -> None:
    """Point Django's default connection at the benchmark database (this process only)."""
    from django.db import connections

    connections["default"].close()
    base = dict(connections.settings["default"])
    base.update(config)
    connections.settings["default"] = base
    del connections["default"]


def _postgres_config(database: str = "xfinances_bench") -> dict[str, Any]:
    """BENCH_DATABASE_URL's settings (default: `database` on the local server), the database
    created when it does not exist yet (a fresh machine has only `postgres`)."""
    import dj_database_url
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    config = dict(dj_database_url.parse(url))
    name = config["NAME"]
    admin = psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=int(config.get("PORT") or 5432),
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            _say(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')
    config.update(CONN_MAX_AGE=0, OPTIONS={}, TEST={})
    return config


def _sqlite_config() -> dict[str, Any]:
    path = os.path.join(tempfile.gettempdir(), "xfinances_bench_quick.sqlite3")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"},
        "TEST": {},
    }


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


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
            {"name": "Бенчмарк ООД", "eik": BENCH_EIK, "city": "София", "address": "1"}
        ),
    )


def _load(company: Any, size: Size) -> None:
    """Accounts (bulk) and movements (server-side on PostgreSQL, batched executemany on
    SQLite), then month totals. Skipped when the data is already there."""
    from django.db import connection, transaction

    from xfinances.treasury.actions import rebuild_month_totals
    from xfinances.treasury.models import AccountMonthTotal, MoneyAccount, Movement

    have = Movement.objects.filter(company=company).count()
    accounts = MoneyAccount.objects.filter(company=company).count()
    if have == size.movements and accounts == size.accounts:
        _say(f"reusing {accounts} accounts and {have} movements")
        if not AccountMonthTotal.objects.filter(company=company).exists():
            rebuild_month_totals(company)
        return
    started = time.perf_counter()
    with transaction.atomic():
        AccountMonthTotal.objects.filter(company=company).delete()
        Movement.objects.filter(company=company).delete()
        MoneyAccount.objects.filter(
            company=company, parent__isnull=False, parent__parent__isnull=False
        ).delete()
        MoneyAccount.objects.filter(company=company, parent__isnull=False).delete()
        MoneyAccount.objects.filter(company=company).delete()

        def level(
            parents: list[MoneyAccount | None], count: int, prefix: str
        ) -> list[MoneyAccount]:
            rows = [
                MoneyAccount(
                    company=company,
                    parent=parent,
                    kind="other",
                    name=f"{prefix} {i}-{j}",
                    currency="EUR",
                    opening_balance=Decimal("1000.00"),
                    opening_date=FIRST_DAY,
                )
                for i, parent in enumerate(parents)
                for j in range(count)
            ]
            return MoneyAccount.objects.bulk_create(rows, batch_size=1000)

        roots = level([None], size.roots, "Root")
        children = level(list(roots), size.children, "Child")
        leaves = level(list(children), size.grandchildren, "Leaf")
        ids = [a.pk for a in (*roots, *children, *leaves)]
    _say(f"{len(ids)} accounts in {time.perf_counter() - started:.1f}s; loading movements")
    days = (dt.date(FIRST_DAY.year + YEARS, 1, 1) - FIRST_DAY).days
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # Generated rows are consistent by construction: skip the per-row foreign-key
            # triggers (deferred, millions of them) for this load only. Needs a superuser;
            # without one the load is just slower.
            cursor.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            )
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                """
                INSERT INTO treasury_movement (company_id, account_id, date, amount, currency,
                    counterparty_name, counterparty_iban, description, bank_reference,
                    end_to_end_id, remittance_info, raw_data, source, status, cash_order_kind,
                    created_at, updated_at)
                SELECT %s, (%s::bigint[])[1 + (g %% %s)],
                    %s::date + (floor(random() * %s))::int,
                    CASE WHEN random() < 0.5 THEN 1 ELSE -1 END
                        * (1 + floor(random() * 99999)) / 100.0,
                    'EUR', '', '', '', '', '', '', '{}'::jsonb, 'manual', 'posted', '', now(), now()
                FROM generate_series(1, %s) AS g
                """,
                [company.pk, ids, len(ids), FIRST_DAY, days, size.movements],
            )
            cursor.execute("ANALYZE treasury_movement")
    else:
        generator = random.Random(7)
        batch: list[tuple[Any, ...]] = []
        now = dt.datetime.now(dt.UTC).isoformat()
        sql = (
            "INSERT INTO treasury_movement (company_id, account_id, date, amount, currency,"
            " counterparty_name, counterparty_iban, description, bank_reference, end_to_end_id,"
            " remittance_info, raw_data, source, status, cash_order_kind, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, 'EUR', '', '', '', '', '', '', '{}', 'manual', 'posted',"
            " '', %s, %s)"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            for i in range(size.movements):
                cents = generator.randint(1, 99999) * generator.choice((1, -1))
                batch.append(
                    (
                        company.pk,
                        ids[i % len(ids)],
                        (FIRST_DAY + dt.timedelta(days=generator.randrange(days))).isoformat(),
                        str(Decimal(cents) / 100),
                        now,
                        now,
                    )
                )
                if len(batch) == 50_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
            cursor.execute("ANALYZE")
    _say(f"{size.movements} movements in {time.perf_counter() - started:.1f}s; month totals")
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO treasury_accountmonthtotal (company_id, account_id, month, total)
                SELECT company_id, account_id, date_trunc('month', date)::date, SUM(amount)
                FROM treasury_movement WHERE company_id = %s GROUP BY 1, 2, 3
                """,
                [company.pk],
            )
            cursor.execute("ANALYZE treasury_accountmonthtotal")
    else:
        rebuild_month_totals(company)
    _say(f"month totals in {time.perf_counter() - started:.1f}s")


def _median_ms(function: Any, dates: list[dt.date], runs: int) -> float:
    for day in dates:
        function(day)  # warm-up
    times: list[float] = []
    for i in range(runs):
        day = dates[i % len(dates)]
        started = time.perf_counter()
        function(day)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(size: Size, runs: int, use_postgres: bool) -> list[Result]:
    from django.db import connection

    from xfinances.treasury import balances, queries

    _use_database(_postgres_config() if use_postgres else _sqlite_config())
    _migrate()
    company = _company()
    _load(company, size)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
            cursor.execute("VACUUM ANALYZE treasury_movement, treasury_accountmonthtotal")
    parents = queries.tree_parents(company)
    access = queries.AccountAccessMap(None, None)
    generator = random.Random(2026)
    span = YEARS * 365
    dates = [FIRST_DAY + dt.timedelta(days=generator.randrange(30, span)) for _ in range(7)]

    def app_path(day: dt.date) -> dict[int, Decimal]:
        return balances.roll_up(parents, queries.own_balances(company, day))

    def page_path(day: dt.date) -> Any:
        return queries.account_tree(company, access, day)

    def floor(day: dt.date) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT account_id, SUM(amount) FROM treasury_movement"
                " WHERE company_id = %s AND date <= %s GROUP BY account_id",
                [company.pk, day],
            )
            return cursor.fetchall()

    # The app's figures must be the floor's (plus the openings), or the timing means nothing.
    for day in dates[:2]:
        by_sum = queries.own_balances_by_sum(company, day)
        assert queries.own_balances(company, day) == by_sum, f"month totals disagree on {day}"
    app_ms = _median_ms(app_path, dates, runs)
    page_ms = _median_ms(page_path, dates, runs)
    floor_ms = _median_ms(floor, dates, runs)
    vendor = connection.vendor
    label = f"{size.accounts} accounts, {size.movements:,} movements, {vendor}"
    ratio = app_ms / floor_ms if floor_ms else float("inf")
    return [
        Result(
            "treasury: own_balances + roll_up",
            app_ms,
            runs,
            f"{label}; {ratio:.2f}× the floor",
            "target ≤ 3× the floor",
        ),
        Result("treasury: account_tree (whole page query)", page_ms, runs, label),
        Result("treasury: floor SUM … GROUP BY", floor_ms, runs, label),
    ]


@benchmark("treasury_balances")
def treasury_balances(runs: int) -> list[Result]:
    return run(FULL, min(runs, 30), use_postgres=True)


@benchmark("treasury_balances_quick")
def treasury_balances_quick(runs: int) -> list[Result]:
    return run(QUICK, min(runs, 30), use_postgres=False)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.treasury")
    parser.add_argument("--quick", action="store_true", help="small size on SQLite")
    parser.add_argument("--postgres", action="store_true", help="with --quick: on PostgreSQL")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    size = QUICK if args.quick else FULL
    rows = run(size, args.runs, use_postgres=args.postgres or not args.quick)
    for r in rows:
        print(f"{r.name:45} {r.ms:10.2f} ms  {r.note}  {r.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
