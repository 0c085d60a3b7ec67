"""Benchmarks: `python -m bench [name ...]` (or `make bench`) runs them and prints a table.

A benchmark is a function registered with `@benchmark("name")` in a module listed in
`MODULES`; it returns `Result` rows. `measure()` does the warm-up and takes the median.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

MODULES = (
    "bench.pdf",
    "bench.treasury",
    "bench.outbox",
    "bench.payments",
    "bench.invoicing",
    "bench.accounting",
    "bench.banking",
    "bench.banking_matching",
    "bench.banking_matching_db",
    "bench.fuzz",
    "bench.load",
    "bench.throughput",
    "bench.faults",
)


@dataclass(frozen=True)
class Result:
    name: str
    ms: float | None  # median milliseconds per run; None when skipped
    runs: int = 0
    note: str = ""
    target: str = ""


BENCHMARKS: dict[str, Callable[[int], list[Result]]] = {}


def benchmark(
    name: str,
) -> Callable[[Callable[[int], list[Result]]], Callable[[int], list[Result]]]:
    def register(function: Callable[[int], list[Result]]) -> Callable[[int], list[Result]]:
        BENCHMARKS[name] = function
        return function

    return register


def measure(function: Callable[[int], object], runs: int, warmup: int = 5) -> float:
    """Median milliseconds of `function(i)` over `runs` calls after `warmup` calls."""
    for i in range(warmup):
        function(i)
    times = []
    for i in range(runs):
        start = time.perf_counter()
        function(warmup + i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
