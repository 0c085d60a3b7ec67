"""The long variant of the fault-injection tests (`python -m bench faults`, part of
`make bench`): tests/scale/test_fault_*.py with FAULTS_JOBS_PER_CLIENT invoices per client
(default 10; CI runs 2–4), reporting what each fault hit and that nothing was lost or doubled.

Needs DATABASE_URL=postgres://… and REDIS_URL, like the tests themselves (CI's second pass).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import Result, benchmark

PROJECT = Path(__file__).resolve().parent.parent
# The summary line each test prints when it passes starts with one of these.
SUMMARIES = ("web kill -9", "Redis down", "PostgreSQL restart", "kill -9 after")


@benchmark("faults")
def faults(runs: int) -> list[Result]:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not (database_url.startswith(("postgres://", "postgresql://")) and redis_url):
        return [Result("faults", None, note="needs DATABASE_URL=postgres://… and REDIS_URL")]
    jobs = os.environ.get("FAULTS_JOBS_PER_CLIENT", "10")
    started = time.perf_counter()
    scale = PROJECT / "tests" / "scale"
    tests = [
        *sorted(str(p) for p in scale.glob("test_fault_*.py")),
        str(scale / "test_worker_killed_mid_send.py"),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *tests],
        env={**os.environ, "PYTHONPATH": str(PROJECT), "FAULTS_JOBS_PER_CLIENT": jobs},
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = [line.strip() for line in result.stdout.splitlines()]
    rows = [
        Result(f"faults: {line.split(':')[0]}", None, 1, line.split(":", 1)[1].strip())
        for line in lines
        if line.startswith(SUMMARIES) and ":" in line
    ]
    outcome = next((line for line in reversed(lines) if " in " in line), "no result")
    rows.append(
        Result(
            "faults: all",
            seconds * 1000,
            len(rows),
            f"{outcome} ({jobs} invoices per client)",
            "every fault test passes: nothing lost, nothing twice",
        )
    )
    if result.returncode != 0:
        print(result.stdout[-6000:], file=sys.stderr)
    return rows
