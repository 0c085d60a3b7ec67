"""The matching engine at scale, pure and in memory (banking/matching.py).

banking_matching: 100,000 incoming payments against 1,000,000 open documents of 50,000 parties
(bench/banking_data.py generates them with known answers). Rows (milliseconds, one run each):
- index: `MatchIndex.build` over the million open items;
- propose: `propose()` for every payment against the index, inside `matching.long_run()`
  (the index out of the cyclic garbage collector's sight, as a production run should do);
- floor: a plain dict hash join of the payments to the documents on the reference (build the
  dict over the million items, look every payment's reference up) — what one SQL join on the
  reference costs in memory, and the least any matching could cost.
The note gives the ratio (index + propose) / floor, payments per second and the precision and
recall of the automatic matches on the same set.

banking_matching_quick: 5,000 payments against 50,000 items of 2,500 parties.

    python -m bench banking_matching
    python -m bench banking_matching_quick
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from bench import Result, benchmark
from bench.banking_data import evaluate, generate
from xfinances.banking.matching import MatchIndex, long_run, propose


@dataclass(frozen=True)
class Size:
    parties: int
    items_per_party: int
    payments: int


FULL = Size(parties=50_000, items_per_party=20, payments=100_000)
QUICK = Size(parties=2_500, items_per_party=20, payments=5_000)


def _say(text: str) -> None:
    print(f"[banking matching bench] {text}", file=sys.stderr, flush=True)


def run(size: Size) -> list[Result]:
    label = f"{size.payments:,} payments × {size.parties * size.items_per_party:,} items"
    _say(f"generating {label} of {size.parties:,} parties")
    start = time.perf_counter()
    data = generate(
        parties=size.parties, items_per_party=size.items_per_party, payments=size.payments
    )
    _say(f"generated in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    index = MatchIndex.build(data.items)
    index_s = time.perf_counter() - start

    start = time.perf_counter()
    with long_run():
        quality, _wrong = evaluate(data, index, propose)
    propose_s = time.perf_counter() - start

    start = time.perf_counter()
    by_reference = {item.reference: item for item in data.items}
    joined = 0
    for case in data.cases:
        for ref in (case.incoming.reference, case.incoming.end_to_end_id):
            if ref in by_reference:
                joined += 1
    floor_s = time.perf_counter() - start

    ratio = (index_s + propose_s) / floor_s if floor_s else float("inf")
    per_second = size.payments / propose_s if propose_s else float("inf")
    _say(quality.summary())
    return [
        Result(f"banking matching: index ({label})", index_s * 1000, 1),
        Result(
            f"banking matching: propose ({label})",
            propose_s * 1000,
            1,
            note=f"{per_second:,.0f} payments/s; ratio to floor {ratio:.1f}×; "
            f"precision {quality.precision:.2%}, recall {quality.recall:.2%}, "
            f"review {quality.review}, unmatched {quality.unmatched}",
        ),
        Result(
            f"banking matching: floor, dict join on reference ({label})",
            floor_s * 1000,
            1,
            note=f"{joined:,} payments joined",
        ),
    ]


@benchmark("banking_matching")
def banking_matching(runs: int) -> list[Result]:
    return run(FULL)


@benchmark("banking_matching_quick")
def banking_matching_quick(runs: int) -> list[Result]:
    return run(QUICK)
