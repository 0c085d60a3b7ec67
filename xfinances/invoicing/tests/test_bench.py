"""The invoicing benchmarks still run (tiny sizes on a throw-away SQLite file): they must return
figures, whatever the timing."""

from __future__ import annotations

import os

import pytest
from django.db import connections


@pytest.fixture
def bench_database(tmp_path):
    saved = dict(connections.settings["default"])
    yield str(tmp_path / "bench.sqlite3")
    connections["default"].close()
    connections.settings["default"] = saved
    del connections["default"]


@pytest.mark.django_db(transaction=True)
def test_quick_benchmarks_return_figures(bench_database, settings):
    settings.INVOICING_RENDER_PDF = False  # restored after the test (the bench turns it off)
    from bench import invoicing

    tiny = invoicing.Size(issues=5, documents=300, parties=5)
    issue = invoicing.run_issue(tiny, use_postgres=False, sqlite_path=bench_database)
    listed = invoicing.run_list(tiny, 2, use_postgres=False, sqlite_path=bench_database)
    assert [r.name for r in issue] == [
        "invoicing: issue_document",
        "invoicing: floor (executemany per document)",
    ]
    assert all(r.ms is not None and r.ms > 0 for r in issue + listed)
    assert "× the floor" in issue[0].note
    assert len(listed) == 12 and "p95" in listed[0].note
    assert os.path.exists(bench_database)
