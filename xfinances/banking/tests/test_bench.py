"""The matching benchmark still runs (tiny size): it must return its rows and figures."""

from __future__ import annotations

import pytest

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


@pytest.mark.django_db
def test_matching_on_the_database_benchmark_returns_figures():
    """The issue's measurement at a tiny size: loaded into the tables, matched by the
    production action, quality read back from the stored proposals."""
    from bench import banking_matching_db

    rows = banking_matching_db.run(
        banking_matching_db.Size(parties=40, items_per_party=4, payments=120), isolate=False
    )
    assert [r.name.split(" (")[0] for r in rows] == [
        "banking matching db: match_entries",
        "banking matching db: floor, SQL join on reference",
        "banking matching db: writes, the match's rows set-wise",
    ]
    assert all(r.ms is not None and r.ms >= 0 for r in rows)
    note = rows[0].note
    assert "ratio to floor" in note and "precision" in note and "peak" in note
    assert 0 <= float(note.split("precision ")[1].split("%")[0]) <= 100
    # The write floor copied the match's rows (payments, allocations, proposals, audit) and
    # touched its entries, and rolled it all back.
    written = int(rows[2].note.split(" rows")[0].replace(",", ""))
    assert written > 120
    assert "ratio to floor" in rows[2].note
