"""Throughput of issuing + PDF on all cores against one (`python -m bench throughput`, part of
`make bench`): how far the install scales when more worker processes share the machine.

Each process is a separate Python (`python -m bench.throughput --child`) on the same
PostgreSQL database: it creates a two-line invoice of the demo company, issues it (numbering
lock, totals, audit) and renders and stores its PDF (Typst), over and over for THROUGHPUT_SECONDS
(20). All processes start together after warming up (the first PDF loads the compiler). Run
once with 1 process and once with N (THROUGHPUT_PROCESSES, default: the number of cores);
reported: documents per second each way and the ratio (ideal: N).

The processes share one company on purpose: its numbering lock is the part that cannot run in
parallel, so the ratio shows what one busy company gets; companies of their own would scale at
least as well. The database is `<DATABASE_URL's database>_throughput`, recreated each run.
Skipped unless DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import Result, benchmark

PROJECT = Path(__file__).resolve().parent.parent
LINES = [
    {"description": "Абонамент", "quantity": "1", "unit_price": "100.00", "unit": "pcs"},
    {"description": "Поддръжка", "quantity": "3", "unit_price": "45.50", "unit": "hour"},
]


def _child(start_at: float, seconds: float) -> None:
    """One process: warm up, wait for the common start, then issue + PDF until the end."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xfinances.settings")
    import django

    django.setup()
    from django.conf import settings

    from xfinances.core.audit import Actor
    from xfinances.core.demo import DEMO_EIK
    from xfinances.core.models import Company, Source
    from xfinances.invoicing import actions, inputs
    from xfinances.invoicing.actions.pdfs import store_pdf
    from xfinances.parties.models import Party

    settings.INVOICING_RENDER_PDF = False  # rendered here, in the timed loop, not by a job
    actor = Actor.system(Source.CLI)
    company = Company.objects.get(eik=DEMO_EIK)
    party = Party.objects.filter(company=company, is_client=True).order_by("id").first()
    lines = [{**line, "vat_treatment": "standard"} for line in LINES]

    def one() -> None:
        draft = actions.create_draft(actor, company, inputs.draft(party=party, lines=lines))
        issued = actions.issue_document(actor, draft).document
        store_pdf(issued)

    one()
    time.sleep(max(start_at - time.time(), 0))
    done, end = 0, start_at + seconds
    while time.time() < end:
        one()
        done += 1
    print(json.dumps({"documents": done, "seconds": time.time() - start_at}))


def _recreate(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def _round(env: dict[str, str], processes: int, seconds: float) -> tuple[int, float]:
    """Documents issued with PDFs by `processes` processes in `seconds`: (count, per second)."""
    start_at = time.time() + 15  # Django set-up and the warm-up document of every process
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.throughput", "--child", str(start_at), str(seconds)],
            env=env,
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    total, longest = 0, seconds
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-3000:]
        result = json.loads(out.strip().splitlines()[-1])
        total += result["documents"]
        longest = max(longest, result["seconds"])
    return total, total / longest


@benchmark("throughput")
def throughput(runs: int) -> list[Result]:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        return [Result("throughput", None, note="needs DATABASE_URL=postgres://…")]
    seconds = float(os.environ.get("THROUGHPUT_SECONDS", "20"))
    many = int(os.environ.get("THROUGHPUT_PROCESSES", "0")) or (os.cpu_count() or 1)
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_throughput"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    _recreate(admin_url, name)
    work = tempfile.mkdtemp(prefix="xfinances-throughput-")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + name)),
        "REDIS_URL": "",
        "HUEY_IMMEDIATE": "true",
        "OUTBOX_KICK_WORKER": "false",
        "XFINANCES_DATA_DIR": work,
        "SECRET_KEY": "throughput-bench-" + "k" * 40,
        "LOG_LEVEL": "WARNING",
    }
    try:
        for args in (["migrate", "-v0"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "xfinances", *args],
                env=env,
                cwd=PROJECT,
                capture_output=True,
                check=True,
            )
        one_count, one_rate = _round(env, 1, seconds)
        many_count, many_rate = _round(env, many, seconds)
    finally:
        _recreate(admin_url, name, drop_only=True)
    ratio = many_rate / one_rate if one_rate else 0.0
    return [
        Result(
            "throughput: issue + PDF, 1 process",
            1000 / one_rate if one_rate else None,
            one_count,
            f"{one_rate:.1f} documents/s over {seconds:.0f} s (ms = wall time per document)",
        ),
        Result(
            f"throughput: issue + PDF, {many} processes",
            1000 / many_rate if many_rate else None,
            many_count,
            f"{many_rate:.1f} documents/s; {ratio:.2f}× one process on {os.cpu_count()} cores",
            f"ideal {many}×",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(float(sys.argv[2]), float(sys.argv[3]))
    else:
        print("usage: python -m bench throughput  (this module runs as its own child)")
