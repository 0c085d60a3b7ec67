"""`xfinances export`: target nap writes the three files; a refused export writes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xfinances.accounting.models import ExportBatch
from xfinances.invoicing.tests.factories import draft, issued


@pytest.mark.django_db
def test_export_nap_writes_the_three_files(company: Any, tmp_path: Path) -> None:
    issued(company, today=dt.date(2026, 3, 5))
    out = StringIO()
    call_command(
        "export", company=company.eik, target="nap", period="2026-03", out=str(tmp_path), stdout=out
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "DEKLAR.TXT",
        "POKUPKI.TXT",
        "PRODAGBI.TXT",
    ]
    assert len((tmp_path / "PRODAGBI.TXT").read_bytes()) == 426
    assert len((tmp_path / "DEKLAR.TXT").read_bytes()) == 592
    assert ExportBatch.objects.filter(company=company, target="nap").count() == 1
    assert "1 documents" in out.getvalue()


@pytest.mark.django_db
def test_export_refused_names_the_draft_and_writes_nothing(company: Any, tmp_path: Path) -> None:
    waiting = draft(company, today=dt.date(2026, 3, 5))
    with pytest.raises(CommandError, match=f"Draft {waiting.pk}"):
        call_command(
            "export",
            company=company.eik,
            target="ajur",
            period="2026-03",
            out=str(tmp_path),
            no_batch=True,
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(CommandError, match="unknown target"):
        call_command("export", company=company.eik, target="x", period="2026-03", out=str(tmp_path))
    with pytest.raises(CommandError, match="--out"):
        call_command(
            "export", company=company.eik, target="nap", period="2026-03", out=str(tmp_path / "no")
        )
