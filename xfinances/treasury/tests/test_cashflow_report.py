"""Cash-flow report against a hand-computed set: by category, by account, comparisons, files."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from xfinances.treasury import actions, cashflow, exports, queries
from xfinances.treasury.models import CashflowCategory
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    money_out,
    transfer_input,
)

D = dt.date
ALL = queries.AccountAccessMap(None, None)


@pytest.fixture(autouse=True)
def english():
    """Labels compared in English (the source strings), whatever the catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def ledger(company):
    """March 2026 (current), February 2026 (previous), March 2025 (a year earlier)."""
    bank = bank_account(company, "Банка", opening_balance="1000.00", opening_date=D(2025, 1, 1))
    cash = cash_register(company, "Каса", opening_balance="200.00", opening_date=D(2025, 1, 1))
    cat = {c.code: c for c in CashflowCategory.objects.filter(company=company)}
    # March 2026
    money_in(bank, "500.00", D(2026, 3, 3), category=cat["sales"])
    money_in(cash, "120.00", D(2026, 3, 10), category=cat["sales"])
    money_out(bank, "300.00", D(2026, 3, 25), category=cat["salaries"])
    money_out(cash, "20.00", D(2026, 3, 31), category=cat["other"])
    money_in(bank, "7.00", D(2026, 3, 15))  # no category
    actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=bank, to_account=cash, date=D(2026, 3, 20), amount="50.00"),
    )
    # February 2026
    money_in(bank, "400.00", D(2026, 2, 10), category=cat["sales"])
    money_out(bank, "250.00", D(2026, 2, 25), category=cat["salaries"])
    # March 2025
    money_in(bank, "100.00", D(2025, 3, 5), category=cat["sales"])
    # April 2026: outside every period
    money_in(bank, "999.00", D(2026, 4, 1), category=cat["sales"])
    return {"bank": bank, "cash": cash, "cat": cat}


def _report(company, compare=True):
    current = cashflow.period_of("month", D(2026, 3, 17))
    comparisons = (
        [cashflow.previous_period("month", current), cashflow.year_before("month", current)]
        if compare
        else []
    )
    return queries.cashflow_report(company, ALL, current, "month", "EUR", comparisons)


def _cells(line):
    return [(a.money_in, a.money_out) for a in line.periods]


def test_by_category_with_comparisons(company, ledger):
    report = _report(company)
    assert [p.label for p in report.periods] == ["03.2026", "02.2026", "03.2025"]
    lines = {line.name: _cells(line) for line in report.by_category}
    z = Decimal("0.00")
    assert lines["Продажби"] == [
        (Decimal("620.00"), z),
        (Decimal("400.00"), z),
        (Decimal("100.00"), z),
    ]
    assert lines["Заплати"] == [(z, Decimal("-300.00")), (z, Decimal("-250.00")), (z, z)]
    assert lines["Други"] == [(z, Decimal("-20.00")), (z, z), (z, z)]
    assert lines["Вътрешни трансфери"] == [(Decimal("50.00"), Decimal("-50.00")), (z, z), (z, z)]
    assert lines["No category"] == [(Decimal("7.00"), z), (z, z), (z, z)]
    assert report.by_category[-1].name == "No category"  # uncategorised last
    totals = report.totals
    assert (totals[0].money_in, totals[0].money_out, totals[0].net) == (
        Decimal("677.00"),
        Decimal("-370.00"),
        Decimal("307.00"),
    )
    assert totals[1].net == Decimal("150.00") and totals[2].net == Decimal("100.00")


def test_by_account_and_balances(company, ledger):
    report = _report(company, compare=False)
    lines = {line.name: _cells(line)[0] for line in report.by_account}
    assert lines == {
        "Банка": (Decimal("507.00"), Decimal("-350.00")),
        "Каса": (Decimal("170.00"), Decimal("-20.00")),
    }
    # Opening at the end of February: 1200 + 100 (Mar 2025) + 400 − 250.
    assert report.opening == Decimal("1450.00")
    assert report.closing == report.opening + report.totals[0].net == Decimal("1757.00")


def test_quarter_and_year_periods(company, ledger):
    quarter = cashflow.period_of("quarter", D(2026, 2, 14))
    assert (quarter.date_from, quarter.date_to, quarter.label) == (
        D(2026, 1, 1),
        D(2026, 3, 31),
        "Q1 2026",
    )
    report = queries.cashflow_report(company, ALL, quarter, "quarter", "EUR")
    assert report.totals[0].net == Decimal("457.00")  # 307 + 150
    assert [b.period.label for b in report.buckets] == ["01.2026", "02.2026", "03.2026"]
    assert [b.amounts.net for b in report.buckets] == [0, Decimal("150.00"), Decimal("307.00")]
    year = cashflow.period_of("year", D(2026, 6, 1))
    previous = cashflow.previous_period("year", year)
    assert (previous.date_from, previous.date_to) == (D(2025, 1, 1), D(2025, 12, 31))
    custom = cashflow.custom_period(D(2026, 3, 10), D(2026, 3, 1))
    assert cashflow.previous_period("custom", custom).date_to == D(2026, 2, 28)


def test_month_chart_has_weekly_columns(company, ledger):
    report = _report(company, compare=False)
    assert [b.period.date_from.day for b in report.buckets] == [1, 8, 15, 22, 29]
    assert sum((b.amounts.net for b in report.buckets), Decimal(0)) == report.totals[0].net


def test_xlsx_holds_the_same_numbers(company, ledger):
    report = _report(company)
    book = load_workbook(io.BytesIO(exports.cashflow_xlsx(report, company)))
    assert book.sheetnames == ["By category", "By account"]
    sheet = book["By category"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:4] == ("Category", "In 03.2026", "Out 03.2026", "Net 03.2026")
    sales = next(r for r in rows if r[0] == "Продажби")
    assert [Decimal(str(v)) for v in sales[1:4]] == [Decimal("620"), Decimal("0"), Decimal("620")]
    total = rows[-1]
    assert total[0] == "Total"
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in total[1:4]] == [
        Decimal("677.00"),
        Decimal("-370.00"),
        Decimal("307.00"),
    ]
    accounts = list(book["By account"].iter_rows(values_only=True))
    assert {r[0] for r in accounts[3:-1]} == {"Банка", "Каса"}


def test_pdf_text_has_the_totals(company, ledger):
    pdf = exports.cashflow_pdf(_report(company), company)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "03.2026" in text and company.name in text
    for amount in ("677,00", "-370,00", "307,00", "Продажби", "Банка"):
        assert amount in text, amount


def test_page_and_downloads(company, ledger, client_as):
    client = client_as(company, "accountant")
    url = f"/c/{company.eik}/treasury/cash-flow/"
    params = {"period": "month", "date": "2026-03-17", "compare": "both", "currency": "EUR"}
    page = client.get(url, params)
    assert page.context["report"].totals[0].net == Decimal("307.00")
    body = page.content.decode()
    assert 'id="cashflow-chart"' in body and "<rect" in body
    xlsx = client.get(url, {**params, "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) == 2
    pdf = client.get(url, {**params, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_only_visible_accounts_count(company, ledger, make_member, client_as):
    viewer = make_member(company, "viewer")
    actions.set_account_access(SYSTEM, ledger["cash"], viewer, can_view=True, can_move=False)
    client = client_as(company, "viewer")
    page = client.get(
        f"/c/{company.eik}/treasury/cash-flow/", {"period": "month", "date": "2026-03-17"}
    )
    report = page.context["report"]
    assert [line.name for line in report.by_account] == ["Каса"]
    assert report.totals[0].net == Decimal("150.00")  # 120 + 50 − 20


def test_api_report(company, ledger, api_as):
    api = api_as(company, "accountant")
    answer = api.get("/treasury/cash-flow", period="month", date="2026-03-17", compare="year")
    assert answer.status_code == 200
    data = answer.json()
    assert [p["label"] for p in data["periods"]] == ["03.2026", "03.2025"]
    assert Decimal(data["totals"][0]["net"]) == Decimal("307.00")
    assert Decimal(data["totals"][1]["net"]) == Decimal("100.00")
    bad = api.get("/treasury/cash-flow", period="week")
    assert bad.status_code == 422 and "period" in bad.json()["errors"]
