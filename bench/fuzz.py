"""The long fuzz profile: the file readers (Hypothesis) and the API (Schemathesis) with many
more examples than CI's fast profile, with fresh random examples each run.

`make bench` runs it; `python -m bench fuzz` alone. FUZZ_EXAMPLES (default 2000 per reader
test) and SCHEMA_EXAMPLES (default 100 per API operation) set the size; the reader row counts
the examples Hypothesis really ran (its statistics) and the failing ones. Each suite runs in its
own pytest process, so a finding shows as the failing test's report.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench import Result, benchmark

PROJECT = Path(__file__).resolve().parent.parent
READER_TESTS = [
    "xfinances/core/tests/test_readers_fuzz.py",
    "xfinances/parties/tests/test_importing_fuzz.py",
    "xfinances/purchases/tests/test_ubl_fuzz.py",
    "xfinances/accounting/tests/test_ubl_import_fuzz.py",
    "xfinances/banking/tests/test_readers_fuzz.py",
]
API_TESTS = ["xfinances/core/tests/test_api_schema_fuzz.py"]


def _pytest(paths: list[str], env: dict[str, str]) -> tuple[float, str, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-n", "0", "-q", "-s", "-p", "no:cacheprovider"),
            "--hypothesis-show-statistics",
            *paths,
        ],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT), "FUZZ_RANDOM": "1", **env},
        capture_output=True,
        text=True,
    )
    elapsed = (time.perf_counter() - started) * 1000
    output = result.stdout + result.stderr
    summary = next(
        (line.strip("= ") for line in reversed(output.splitlines()) if " in " in line), ""
    )
    statuses = re.search(r"schemathesis: (\d+ requests, statuses \{[^}]*\})", output)
    note = summary + (f"; {statuses.group(1)}" if statuses else "")
    # Hypothesis's statistics: the examples each test really ran (all phases), and how many failed.
    cases = re.findall(r"(\d+) passing, (\d+) failing, and (\d+) invalid test cases", output)
    if cases:
        ran = sum(int(p) + int(f) for p, f, _i in cases)
        failed = sum(int(f) for _p, f, _i in cases)
        note += f"; {ran:,} examples run, {failed} failing"
    if result.returncode != 0:
        failing = [line for line in output.splitlines() if line.startswith("FAILED")]
        note += " | " + " | ".join(failing[:5])
    return elapsed, note, result.returncode


@benchmark("fuzz")
def fuzz(runs: int) -> list[Result]:
    examples = os.environ.get("FUZZ_EXAMPLES", "2000")
    schema_examples = os.environ.get("SCHEMA_EXAMPLES", "100")
    readers_ms, readers_note, _ = _pytest(READER_TESTS, {"FUZZ_EXAMPLES": examples})
    api_ms, api_note, _ = _pytest(
        API_TESTS,
        {"SCHEMA_EXAMPLES": schema_examples, "SCHEMA_PHASES": "examples,coverage,fuzzing"},
    )
    return [
        Result(
            "fuzz: file and input readers",
            readers_ms,
            1,
            f"{examples} examples per test: {readers_note}",
            "0 failures",
        ),
        Result(
            "fuzz: API (schemathesis)",
            api_ms,
            1,
            f"{schema_examples} examples per operation: {api_note}",
            "0 failures: no 5xx, every response within its schema",
        ),
    ]
