"""Shared settings of the fuzz tests of every file and input reader.

CI runs a fast, derandomised profile (the same examples every run, so a red build is
reproducible); `make bench` (bench/fuzz.py) runs the long one by setting FUZZ_EXAMPLES.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: Examples per fuzz test: 60 in CI, thousands from `make bench`.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM", "") == "",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
