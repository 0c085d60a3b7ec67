"""`xfinances import-statement` and `xfinances match`."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM
from xfinances.banking.tests.test_profile_store import OWN_EXPORT, OWN_PROFILE
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db
IBAN = "BG80BNBG96611020345678"
DAY = dt.date(2026, 11, 2)


def write(tmp_path: Path, rows: list[Row], name: str = "stmt.xml") -> Path:
    out = io.BytesIO()
    camt053(out, iban=IBAN, rows=rows, opening=Decimal("0"), date_from=DAY, date_to=DAY)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def call(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_json_summary_and_reimport(company: Any, tmp_path: Path) -> None:
    bank_account(company, iban=IBAN)
    document = invoice(company, price="40.00", day=DAY - dt.timedelta(days=3))
    path = write(
        tmp_path,
        [
            Row(DAY, Decimal("40.00"), "Клиент", "", "x", reference=document.rf_reference),
            Row(DAY, Decimal("-3.00"), "Банка", "", "такса"),
        ],
    )
    first = json.loads(call("import-statement", str(path), "--company", company.eik, "--json"))
    assert {k: first[k] for k in ("new", "duplicates", "matched", "review")} == {
        "new": 2,
        "duplicates": 0,
        "matched": 1,
        "review": 0,
    }
    text = call("import-statement", str(path), "--company", company.eik)
    assert "new 0, duplicates 2, matched 0, review 0" in text


def test_refused_file_raises(company: Any, tmp_path: Path) -> None:
    bank_account(company, iban="BG18RZBB91550123456789")
    path = write(tmp_path, [Row(DAY, Decimal("1.00"), "X", "", "y")])
    with pytest.raises(CommandError, match="not one of the company's accounts"):
        call("import-statement", str(path), "--company", company.eik, "--json")
    with pytest.raises(CommandError, match="has no account"):
        call("import-statement", str(path), "--company", company.eik, "--account", IBAN)
    with pytest.raises(CommandError, match="No such file"):
        call("import-statement", str(tmp_path / "nope.xml"), "--company", company.eik)


def test_match_command(company: Any, tmp_path: Path) -> None:
    bank_account(company, iban=IBAN)
    path = write(tmp_path, [Row(DAY, Decimal("40.00"), "Клиент", "", "ф-ра 5")])
    call("import-statement", str(path), "--company", company.eik, "--no-match")
    assert BankEntry.objects.get().match_state == MatchState.UNMATCHED
    invoice(company, price="40.00", day=DAY - dt.timedelta(days=3))
    entry = BankEntry.objects.get()
    entry.reference = ""
    entry.save()
    result = json.loads(call("match", "--company", company.eik, "--json"))
    assert result["matched"] + result["review"] + result["unmatched"] == 1


def test_profile_of_the_company_chosen_by_key(company: Any, tmp_path: Path) -> None:
    bank_account(company, iban=IBAN)
    made = actions.create_profile(SYSTEM, company, name="Моята банка", data=OWN_PROFILE)
    path = tmp_path / "export.txt"
    path.write_text(OWN_EXPORT, encoding="utf-8")
    common = ["import-statement", str(path), "--company", company.eik, "--account", IBAN]
    with pytest.raises(CommandError, match="No column profile"):
        call(*common, "--profile", "company-999999", "--json")
    summary = json.loads(call(*common, "--profile", f"company-{made.pk}", "--json"))
    assert summary["new"] == 2 and summary["format"] == f"csv:company-{made.pk}"
