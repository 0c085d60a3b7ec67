"""`update_rows` stores what `bulk_update` would: decimals, dates, times, NULLs, foreign keys,
JSON and booleans, on SQLite and on PostgreSQL, only for the rows given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from xfinances.banking.models import BankEntry
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import imported_statement
from xfinances.core.bulk_update import update_rows
from xfinances.invoicing.models import Document
from xfinances.payments.tests.factories import invoice

pytestmark = pytest.mark.django_db


def _stored(model: Any, pk: int, fields: list[str]) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values(*fields).get()


def test_update_rows_stores_what_bulk_update_would(company: Any) -> None:
    first, second, untouched = (invoice(company, price=p) for p in ("10.00", "20.00", "30.00"))
    fields = ["paid_amount", "due_date", "locked_at", "lock_reason", "party"]
    when = timezone.now().replace(microsecond=123456)
    first.paid_amount, first.due_date, first.locked_at = (
        Decimal("7.35"),
        dt.date(2026, 11, 30),
        when,
    )
    first.lock_reason, first.party_id = "изнесен към Ажур", second.party_id
    second.paid_amount, second.due_date, second.locked_at = Decimal("0.01"), None, None
    second.lock_reason = ""
    before = _stored(Document, untouched.pk, fields)
    assert update_rows(Document, [first, second], fields) == 2
    assert _stored(Document, first.pk, fields) == {
        "paid_amount": Decimal("7.35"),
        "due_date": dt.date(2026, 11, 30),  # a date stays a date (no numeric cast on SQLite)
        "locked_at": when,
        "lock_reason": "изнесен към Ажур",
        "party": second.party_id,
    }
    assert _stored(Document, second.pk, fields) == {
        "paid_amount": Decimal("0.01"),
        "due_date": None,
        "locked_at": None,
        "lock_reason": "",
        "party": second.party_id,
    }
    assert _stored(Document, untouched.pk, fields) == before


def test_update_rows_in_several_statements_and_with_json(company: Any, monkeypatch: Any) -> None:
    day = dt.date(2026, 11, 30)
    imported_statement(
        company, [Row(day, Decimal(f"{n + 1}.00"), "Клиент", "", f"плащане {n}") for n in range(3)]
    )
    entries = list(BankEntry.objects.filter(company=company).order_by("pk"))
    assert len(entries) == 3
    monkeypatch.setattr("xfinances.core.bulk_update.MAX_ROWS", 1)  # one row per statement
    monkeypatch.setattr("xfinances.core.bulk_update.MAX_ARRAY_ROWS", 2)  # two, then one
    for n, entry in enumerate(entries):
        entry.raw = {"n": n, "текст": "ф-ра 12", "list": [1, None]}
        entry.match_state = "none"
    assert update_rows(BankEntry, entries, ["raw", "match_state"]) == len(entries)
    stored = list(
        BankEntry.objects.filter(company=company).order_by("pk").values("raw", "match_state")
    )
    assert stored == [
        {"raw": {"n": n, "текст": "ф-ра 12", "list": [1, None]}, "match_state": "none"}
        for n in range(len(entries))
    ]


def test_update_rows_refuses_what_it_cannot_store(company: Any) -> None:
    document = invoice(company)
    with pytest.raises(ValueError, match="cannot be updated in bulk"):
        update_rows(Document, [document], ["id"])
    with pytest.raises(ValueError, match="not saved yet"):
        update_rows(Document, [Document(company=company)], ["lock_reason"])
    assert update_rows(Document, [], ["lock_reason"]) == 0
