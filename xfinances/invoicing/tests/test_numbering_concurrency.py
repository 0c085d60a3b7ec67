"""Numbering under real concurrency on PostgreSQL: 8 processes issue 2,000 documents in total
(some issues rolled back on purpose) and the numbers are exactly 1…2,000, no duplicate, no gap.

Needs a committed database (`transaction=True`) and PostgreSQL:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/xfinances .venv/bin/pytest … -n 0
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile

import pytest
from django.db import connection

from xfinances.invoicing import numbering
from xfinances.invoicing.models import Document, DocumentLine, NumberSeries
from xfinances.invoicing.tests.factories import bg_client, draft

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
from xfinances.invoicing import actions
from xfinances.invoicing.models import Document


class RolledBack(Exception):
    pass


ids = [int(pk) for pk in sys.argv[1].split(",")]
actor = Actor.system("cli")
numbers = []
for n, pk in enumerate(ids):
    document = Document.objects.select_related("company").get(pk=pk)
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


def _clone_drafts(template: Document, count: int) -> list[int]:
    """`count` drafts like `template` (made by the action), written in bulk: the test measures
    issuing, not draft entry."""
    line = DocumentLine.objects.get(document=template)
    clones = []
    for _ in range(count):
        clone = copy.copy(template)
        clone.pk = None
        clones.append(clone)
    created = Document.objects.bulk_create(clones)
    rows = []
    for document in created:
        row = copy.copy(line)
        row.pk, row.document = None, document
        rows.append(row)
    DocumentLine.objects.bulk_create(rows)
    template.delete()
    return sorted(d.pk for d in created)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_processes_issue_2000_gapless_numbers(company):
    if connection.vendor != "postgresql":
        pytest.skip(
            "NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to run the numbering concurrency test"
        )
    template = draft(company, party=bg_client(company))
    ids = _clone_drafts(template, TOTAL)
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
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, ",".join(map(str, ids[worker::PROCESSES]))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    reported: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-2000:]
        reported += out.split()
    expected = [f"{n:010d}" for n in range(1, TOTAL + 1)]
    assert sorted(reported) == expected
    stored = sorted(Document.objects.filter(company=company).values_list("number", flat=True))
    assert stored == expected
    assert (
        NumberSeries.objects.get(company=company, group="tax", is_default=True).next_number
        == TOTAL + 1
    )
