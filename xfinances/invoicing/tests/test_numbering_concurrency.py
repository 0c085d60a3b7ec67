"""Numbering under real concurrency on PostgreSQL: 8 processes issue 2,000 documents in total
(some issues rolled back on purpose) and the numbers are exactly 1…2,000, no duplicate, no gap.

Needs a committed database (`transaction=True`) and PostgreSQL:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/xfinances .venv/bin/pytest … -n 0
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest
from django.db import connection

from xfinances.invoicing import numbering
from xfinances.invoicing.models import Document, NumberSeries
from xfinances.invoicing.tests.factories import bg_client

PROCESSES = 8
TOTAL = 2000

WORKER = r"""
import os, sys
import django

os.environ["DJANGO_SETTINGS_MODULE"] = "xfinances.settings"
django.setup()
from django.conf import settings
from django.db import transaction

settings.INVOICING_RENDER_PDF = False
from xfinances.core.audit import Actor
from xfinances.core.models import Company
from xfinances.invoicing import actions
from xfinances.parties.models import Party


class RolledBack(Exception):
    pass


company = Company.objects.get(pk=int(sys.argv[1]))
party = Party.objects.get(pk=int(sys.argv[2]))
count = int(sys.argv[3])
actor = Actor.system("cli")
lines = [{"description": "Услуга", "quantity": "1", "unit_price": "10", "vat_treatment": "standard"}]
numbers = []
for n in range(count):
    document = actions.create_draft(actor, company, party=party, lines=lines)
    if n % 25 == 3:  # take a number, then roll the whole transaction back
        try:
            with transaction.atomic():
                actions.issue_document(actor, document)
                raise RolledBack
        except RolledBack:
            pass
    numbers.append(actions.issue_document(actor, document).document.number)
print(" ".join(numbers))
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_processes_issue_2000_gapless_numbers(company):
    if connection.vendor != "postgresql":
        pytest.skip(
            "NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to run the numbering concurrency test"
        )
    party = bg_client(company)
    numbering.default_series(company, "tax")
    settings_dict = connection.settings_dict
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=settings_dict["USER"] or "postgres",
        password=f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else "",
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        name=settings_dict["NAME"],
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "XFINANCES_DATA_DIR": tempfile.mkdtemp(prefix="xfinances-numbering-"),
        "HUEY_IMMEDIATE": "1",
    }
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(company.pk), str(party.pk), str(TOTAL // PROCESSES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    reported: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        reported += out.split()
    elapsed = time.monotonic() - started
    expected = [f"{n:010d}" for n in range(1, TOTAL + 1)]
    assert sorted(reported) == expected
    stored = sorted(Document.objects.filter(company=company).values_list("number", flat=True))
    assert stored == expected
    assert (
        NumberSeries.objects.get(company=company, group="tax", is_default=True).next_number
        == TOTAL + 1
    )
    # Numbers ascend with the issue order of each process.
    assert elapsed < 90, f"took {elapsed:.1f}s"
