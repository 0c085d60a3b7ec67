"""Pages: recurring invoices (list, form with line errors, detail with runs, run/pause/delete)
and number series settings (list with next number and what is left, new branch range)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from xfinances.invoicing import numbering
from xfinances.invoicing.models import NumberSeries, RecurringInvoice
from xfinances.invoicing.tests.factories import bg_client

pytestmark = pytest.mark.django_db


def _post_data(party_id: int, **extra):
    data = {
        "name": "Счетоводно обслужване",
        "party_id": str(party_id),
        "schedule": "monthly",
        "day_of_month": "31",
        "start_date": "2026-01-01",
        "currency": "EUR",
        "payment_method": "bank_transfer",
        "auto_issue": "on",
        "line_description": ["Обслужване", ""],
        "line_quantity": ["1", ""],
        "line_unit": ["pcs", ""],
        "line_unit_price": ["300", ""],
        "line_discount_percent": ["", ""],
        "line_vat_treatment": ["standard", "standard"],
    }
    data.update(extra)
    return data


def test_recurring_pages_create_run_pause_delete(company, client_as):
    client = client_as(company, "owner")
    party = bg_client(company)
    base = f"/c/{company.eik}/documents/recurring/"
    bad = client.post(f"{base}new/", _post_data(party.pk, line_unit_price=["abc", ""]))
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert not RecurringInvoice.objects.exists()
    created = client.post(f"{base}new/", _post_data(party.pk))
    assert created.status_code == 302
    template = RecurringInvoice.objects.get(company=company)
    assert template.lines[0]["unit_price"] == "300" and template.next_period_start == dt.date(
        2026, 1, 31
    )
    listed = client.get(base).content.decode()
    assert "Счетоводно обслужване" in listed
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        client.post(f"{base}{template.pk}/run/")
    page = client.get(f"{base}{template.pk}/").content.decode()
    assert "31.01.2026" in page and "28.02.2026" in page and "0000000002" in page
    client.post(f"{base}{template.pk}/pause/")
    template.refresh_from_db()
    assert template.active is False
    edit = client.get(f"{base}{template.pk}/edit/").content.decode()
    assert "Обслужване" in edit
    client.post(f"{base}{template.pk}/delete/")
    assert not RecurringInvoice.objects.exists()
    viewer = client_as(company, "viewer")
    assert viewer.get(base).status_code == 200
    assert viewer.post(f"{base}new/", _post_data(party.pk)).status_code == 403


def test_series_page_lists_capacity_and_makes_a_branch_range(company, client_as):
    numbering.default_series(company, "tax")
    client = client_as(company, "owner")
    url = f"/c/{company.eik}/documents/series/"
    page = client.get(url).content.decode()
    assert "0000000001" in page and "999999999" in page
    overlap = client.post(
        url, {"group": "tax", "name": "Клон", "range_start": "5", "range_end": "10"}
    )
    assert (
        overlap.status_code == 200
        and "Основна" in overlap.content.decode().split("is-invalid")[-1][:600]
    )
    assert not NumberSeries.objects.filter(name="Клон").exists()
    made = client.post(
        url,
        {"group": "tax", "name": "Клон", "range_start": "1000000001", "range_end": "1000000100"},
    )
    assert made.status_code == 302
    branch = NumberSeries.objects.get(company=company, name="Клон")
    assert "1000000001" in client.get(url).content.decode()
    client.post(f"{url}{branch.pk}/default/")
    branch.refresh_from_db()
    assert branch.is_default
    assert client_as(company, "sales").get(url).status_code == 403
