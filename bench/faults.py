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
# The summary line each test prints when it passes starts with one of these; the file it is in.
SUMMARIES = {
    "web kill -9": "test_fault_web_killed.py",
    "Redis down": "test_fault_redis_outage.py",
    "PostgreSQL restart": "test_fault_postgres_restart.py",
    "kill -9 after": "test_worker_killed_mid_send.py",
    "recurring run kill -9": "test_fault_recurring_killed.py",
    "statement import kill -9": "test_fault_import_killed.py",
    "folder export kill -9": "test_fault_export_killed.py",
}


def _durations(lines: list[str]) -> dict[str, float]:
    """Milliseconds of each test file's call phase, from pytest's `--durations=0` table."""
    found: dict[str, float] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[1] == "call" and parts[0].endswith("s"):
            found[parts[2].split("::")[0].rsplit("/", 1)[-1]] = float(parts[0][:-1]) * 1000
    return found


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
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "--durations=0",
            *tests,
        ],
        env={**os.environ, "PYTHONPATH": str(PROJECT), "FAULTS_JOBS_PER_CLIENT": jobs},
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    lines = [line.strip() for line in result.stdout.splitlines()]
    durations = _durations(lines)
    rows = [
        Result(
            f"faults: {line.split(':')[0]}",
            durations.get(SUMMARIES[prefix]),
            1,
            line.split(":", 1)[1].strip() + " (ms: the whole test)",
        )
        for line in lines
        for prefix in SUMMARIES
        if line.startswith(prefix) and ":" in line
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
