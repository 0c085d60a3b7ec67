"""Pure modules: number keys, VAT row checks, UBL reading, the alert planner. No database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest

from xfinances.purchases import alerts
from xfinances.purchases.numbers import number_key
from xfinances.purchases.ubl import read_ubl
from xfinances.purchases.vat_rows import VatRowInput, check_rows

FIXTURES = Path(__file__).parent / "fixtures"
D = Decimal


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("0000001234", "1234", True),
        (" 00 001 234", "1234", True),
        ("abc-0012", "ABC-0012", True),
        ("ABC-0012", "ABC-12", False),
        ("1234", "12340", False),
        ("0", "0000", True),
    ],
)
def test_number_key(a: str, b: str, same: bool) -> None:
    assert (number_key(a) == number_key(b)) is same


def test_vat_rows_exact_rounding_and_totals() -> None:
    result = check_rows(
        [
            VatRowInput(D("20"), D("100.00"), D("20.00")),
            VatRowInput(D("9"), D("216.67"), D("19.50")),
        ],
        D("0.50"),
    )
    assert result.errors == {} and result.warnings == []
    assert result.total_base == D("316.67") and result.total_vat == D("39.50")
    assert result.total == D("356.17")


def test_vat_rows_one_cent_is_silent_more_warns_beyond_tolerance_refuses() -> None:
    one_cent = check_rows([VatRowInput(D("20"), D("10.03"), D("2.00"))], D("0.50"))
    assert one_cent.errors == {} and one_cent.warnings == []  # 2.006 → 2.01, off by 0.01
    warned = check_rows([VatRowInput(D("20"), D("100.00"), D("20.03"))], D("0.50"))
    assert warned.errors == {}
    assert "differs from 20.00 by 0.03" in warned.warnings[0]
    refused = check_rows([VatRowInput(D("20"), D("100.00"), D("21.00"))], D("0.50"))
    assert list(refused.errors) == ["rows.1.vat"]
    assert "does not match" in refused.errors["rows.1.vat"][0]


def test_vat_rows_refuse_empty_negative_and_bad_rate() -> None:
    assert "rows" in check_rows([], D("0.5")).errors
    assert "rows.1.base" in check_rows([VatRowInput(D("20"), D("-1"), D("0"))], D("1")).errors
    assert "rows.1.vat_rate" in check_rows([VatRowInput(D("120"), D("1"), D("0"))], D("1")).errors


def test_ubl_invoice_fixture() -> None:
    result = read_ubl((FIXTURES / "invoice_bg.xml").read_bytes())
    assert result.errors == [] and result.warnings == []
    doc = result.document
    assert doc is not None
    assert (doc.kind, doc.number, doc.currency) == ("invoice", "0000004521", "EUR")
    assert doc.issue_date == dt.date(2026, 3, 2)
    assert doc.tax_event_date == dt.date(2026, 2, 27)
    assert doc.due_date == dt.date(2026, 3, 16)
    assert doc.supplier.name == "Офис Снаб ЕООД"
    assert (doc.supplier.vat_number, doc.supplier.eik) == ("BG204801524", "204801524")
    assert doc.supplier.iban == "BG80BNBG96611020345678"
    assert doc.buyer_vat_number == "BG131468980"
    assert [(r.vat_rate, r.base, r.vat) for r in doc.rows] == [
        (D("20"), D("300.00"), D("60.00")),
        (D("9"), D("216.67"), D("19.50")),
    ]
    assert (doc.total_base, doc.total_vat, doc.total) == (D("516.67"), D("79.50"), D("596.17"))
    assert len(doc.attachments) == 1
    assert doc.attachments[0].filename == "Фактура-0000004521.pdf"
    assert doc.attachments[0].content.startswith(b"%PDF-")


def test_ubl_credit_note_fixture() -> None:
    result = read_ubl((FIXTURES / "credit_note_bg.xml").read_bytes())
    doc = result.document
    assert result.errors == [] and doc is not None
    assert doc.kind == "credit_note" and doc.number == "0000004530"
    assert doc.corrected_number == "0000004521"
    assert doc.due_date is None and doc.tax_event_date == dt.date(2026, 3, 9)
    assert [(r.base, r.vat) for r in doc.rows] == [(D("60.00"), D("12.00"))]
    assert result.warnings == []  # a credit note needs no due date


def test_ubl_refuses_bad_input_with_messages() -> None:
    assert read_ubl(b"not xml").errors[0].startswith("Not valid XML")
    assert "not a UBL" in read_ubl(b"<a/>").errors[0]
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    assert "entities" in read_ubl(bomb).errors[0]
    broken = (
        (FIXTURES / "invoice_bg.xml")
        .read_bytes()
        .replace(b"<cbc:ID>0000004521</cbc:ID>\n  <cbc:IssueDate>", b"<cbc:IssueDate>")
    )
    result = read_ubl(broken)
    assert result.document is None and any("number" in e for e in result.errors)


def test_ubl_debit_note_type_code_and_total_mismatch_warning() -> None:
    data = (FIXTURES / "invoice_bg.xml").read_bytes()
    data = data.replace(b">380<", b">383<").replace(
        b">596.17</cbc:TaxInclusiveAmount>", b">596.18</cbc:TaxInclusiveAmount>"
    )
    result = read_ubl(data)
    assert result.document is not None and result.document.kind == "debit_note"
    assert any("596.18" in w for w in result.warnings)


# --- alert planner --------------------------------------------------------------------------

DUE = dt.date(2026, 3, 16)
SETTINGS = alerts.AlertSettings(days_before=3, escalation_days=5, approval_alert_days=5)


def _invoice(**kw: object) -> alerts.OpenInvoice:
    data: dict[str, object] = {
        "id": 1,
        "label": "Офис Снаб № 1",
        "due_date": DUE,
        "remaining": D("120.00"),
        "currency": "EUR",
        "responsible_id": 10,
        "approver_id": None,
        "approval_pending": False,
    }
    data.update(kw)
    return alerts.OpenInvoice(**cast(Any, data))


def _kinds(
    day: dt.date, sent: set[tuple[int, str]] = set(), **kw: object
) -> list[tuple[str, tuple[int, ...]]]:
    planned = alerts.plan_alerts([_invoice(**kw)], SETTINGS, sent, [1], day)
    return [(a.kind, a.recipients) for a in planned]


def test_planner_phases() -> None:
    assert _kinds(DUE - dt.timedelta(days=4)) == []
    assert _kinds(DUE - dt.timedelta(days=3)) == [("due_soon", (10,))]
    assert _kinds(DUE) == [("due_today", (10,))]
    assert _kinds(DUE + dt.timedelta(days=1)) == [("overdue", (10,))]
    assert _kinds(DUE + dt.timedelta(days=5)) == [("escalated", (1,)), ("overdue", (10,))]


def test_planner_never_repeats_and_skips_stale_kinds() -> None:
    assert _kinds(DUE - dt.timedelta(days=2), {(1, "due_soon")}) == []
    # Missed the due date: only "overdue" now, never a stale "due today".
    assert _kinds(DUE + dt.timedelta(days=2), {(1, "due_soon")}) == [("overdue", (10,))]


def test_planner_approval_and_fallback_to_owners() -> None:
    kinds = _kinds(DUE - dt.timedelta(days=5), approval_pending=True, approver_id=7)
    assert kinds == [("approval", (7,))]
    assert _kinds(DUE, responsible_id=None) == [("due_today", (1,))]
    assert _kinds(DUE, remaining=D("0")) == []
    assert _kinds(DUE, due_date=None) == []


def test_digests_group_per_user() -> None:
    planned = alerts.plan_alerts(
        [_invoice(id=1), _invoice(id=2, responsible_id=11), _invoice(id=3)],
        SETTINGS,
        set(),
        [1],
        DUE,
    )
    digests = alerts.digests(planned)
    assert [(d.user_id, [a.invoice.id for a in d.items]) for d in digests] == [
        (10, [1, 3]),
        (11, [2]),
    ]


def test_a_digest_lists_each_invoice_once_with_its_most_urgent_alert():
    invoice = alerts.OpenInvoice(
        id=7,
        label="Фактура 12",
        due_date=dt.date(2026, 3, 1),
        remaining=Decimal("100.00"),
        currency="EUR",
        responsible_id=1,
        approver_id=None,
        approval_pending=False,
    )
    other = alerts.OpenInvoice(
        id=8,
        label="Фактура 13",
        due_date=dt.date(2026, 3, 20),
        remaining=Decimal("5.00"),
        currency="EUR",
        responsible_id=1,
        approver_id=None,
        approval_pending=False,
    )
    planned = [
        alerts.PlannedAlert(invoice, alerts.OVERDUE, (1,), -10),
        alerts.PlannedAlert(other, alerts.DUE_SOON, (1,), 3),
        alerts.PlannedAlert(invoice, alerts.ESCALATED, (1, 2), -10),
    ]
    digests = {d.user_id: d for d in alerts.digests(planned)}
    assert [(a.invoice.id, a.kind) for a in digests[1].items] == [
        (7, alerts.ESCALATED),
        (8, alerts.DUE_SOON),
    ]
    assert [(a.invoice.id, a.kind) for a in digests[2].items] == [(7, alerts.ESCALATED)]
