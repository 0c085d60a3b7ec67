"""The matching benchmark still runs (tiny size): it must return its rows and figures."""

from __future__ import annotations

from bench.banking_matching import Size, run


def test_matching_benchmark_returns_figures():
    rows = run(Size(parties=50, items_per_party=4, payments=200))
    assert [r.name.split(" (")[0] for r in rows] == [
        "banking matching: index",
        "banking matching: propose",
        "banking matching: floor, dict join on reference",
    ]
    assert all(r.ms is not None and r.ms >= 0 for r in rows)
    assert "precision" in rows[1].note and "ratio to floor" in rows[1].note
