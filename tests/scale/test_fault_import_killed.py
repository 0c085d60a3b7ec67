"""Fault: `xfinances import-statement` is killed with SIGKILL half-way through a camt.053 file
(some batches of entries and their treasury movements are inserted, the import is not yet
committed), then the same command is run again — and once more, as a person unsure whether it
worked would.

Afterwards the statement is there once, every line of the file is one bank entry with one
treasury movement, the killed run left nothing behind, the third run found only duplicates,
and the automatic matching made its payments once.

PostgreSQL + Redis only (CI's second pass), like the other tests in tests/scale.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from tests.scale import faults
from tests.scale.test_two_web_two_workers import Install
from tests.scale.test_two_web_two_workers import pytestmark as pytestmark
from xfinances.banking.sample_files import Row, camt053

LINES = 120
BATCH = 20
KILL_AFTER = 3  # batches inserted when the process dies
IBAN = "BG80BNBG96611020345678"  # the demo company's EUR account

STATE = f"""
import json
from xfinances.banking.models import BankEntry, Statement, StatementImport
from xfinances.core.demo import DEMO_EIK
from xfinances.payments.models import Payment
from xfinances.treasury.models import Movement
account = dict(company__eik=DEMO_EIK, account__iban="{IBAN}")
entries = BankEntry.objects.filter(**account)
print(json.dumps({{
    "statements": list(Statement.objects.filter(**account).values_list("id", flat=True)),
    "imports": StatementImport.objects.filter(company__eik=DEMO_EIK).count(),
    "entries": entries.count(),
    "distinct": entries.values("key").distinct().count(),
    "movements": entries.exclude(movement=None).values("movement").distinct().count(),
    "account_movements": Movement.objects.filter(**account).count(),
    "payments": Payment.objects.filter(company__eik=DEMO_EIK).count(),
}}))
"""


def _statement(path: Path) -> None:
    today = dt.date.today()
    first = today - dt.timedelta(days=30)
    rows = [
        Row(
            day=first + dt.timedelta(days=n % 30),
            amount=Decimal(f"{(n % 7 + 1) * 10}.{n % 100:02d}") * (1 if n % 4 else -1),
            name=f"Клиент {n} ЕООД",
            iban=f"BG{10 + n % 80:02d}UNCR7000152{n:07d}"[:22],
            text=f"Плащане по договор {n}",
            bank_id=f"FAULT-{n:05d}",
        )
        for n in range(LINES)
    ]
    with path.open("wb") as out:
        camt053(
            out,
            iban=IBAN,
            rows=rows,
            opening=Decimal("10000.00"),
            date_from=first,
            date_to=today - dt.timedelta(days=1),
            statement_id="FAULT-STMT-1",
        )


def test_statement_import_killed_mid_file_imports_every_line_once(tmp_path: Path) -> None:
    from xfinances.core.demo import DEMO_EIK

    database_url, database = faults.copy_database(tmp_path, "import")
    install = Install(tmp_path, faults.base_env(database_url, tmp_path))
    statement = tmp_path / "statement.xml"
    _statement(statement)
    command = ["import-statement", str(statement), "--company", DEMO_EIK, "--json"]
    try:
        before = faults.ask(install, STATE)
        process, marker = faults.start_hooked(
            install, "import", "statement-batch", *command, after=KILL_AFTER, FAULT_BATCH=str(BATCH)
        )
        faults.kill_at_point(install, process, marker)
        at_kill = faults.ask(install, STATE)
        first = json.loads(install.run(*command).strip().splitlines()[-1])
        imported = faults.ask(install, STATE)
        second = json.loads(install.run(*command).strip().splitlines()[-1])
        after = faults.ask(install, STATE)
    finally:
        install.stop()
        faults.drop_database(database)

    # The killed import was one transaction: its inserted batches went with it.
    assert at_kill == before, (before, at_kill)
    assert first["new"] == LINES and first["duplicates"] == 0 and first["statements"] == 1, first
    assert second["new"] == 0 and second["duplicates"] == LINES, second
    assert second["matched"] == 0, second  # nothing new, nothing matched again
    assert len(after["statements"]) == len(before["statements"]) + 1, after
    assert after["statements"] == imported["statements"]  # the rerun added no statement
    assert after["entries"] - before["entries"] == LINES, after
    assert after["distinct"] - before["distinct"] == LINES, after  # every line once
    assert after["movements"] - before["movements"] == LINES, after
    # …and no movement of the killed run was left without its entry.
    assert after["account_movements"] - before["account_movements"] == LINES, after
    assert after["payments"] == imported["payments"], (imported, after)  # matched once
    print(
        f"\nstatement import kill -9 after {KILL_AFTER * BATCH} of {LINES} lines: 0 left "
        f"behind, rerun {first['new']} new, third run {second['duplicates']} duplicates; "
        f"1 statement, {LINES} entries and movements, {first['matched']} matched once"
    )
