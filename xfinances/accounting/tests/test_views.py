"""The accounting pages: history, manual export, destinations, the VAT period close and the
NAP files, permissions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xfinances.accounting.models import Destination, ExportBatch, VatPeriodClose
from xfinances.invoicing.tests.factories import issued


def url(company: Any, rest: str = "") -> str:
    return f"/c/{company.eik}/accounting/{rest}"


@pytest.mark.django_db
def test_export_by_hand_and_download_identical_bytes(client_as: Any, company: Any) -> None:
    issued(company, today=dt.date(2026, 3, 5))
    client = client_as(company, "accountant")
    page = client.get(url(company))
    assert page.status_code == 200 and b"manual-export" in page.content
    response = client.post(url(company, "export/"), {"target": "ajur", "period": "2026-03"})
    assert response.status_code == 302
    batch = ExportBatch.objects.get(company=company)
    first = client.get(url(company, f"batches/{batch.pk}/download/"))
    second = client.get(url(company, f"batches/{batch.pk}/download/"))
    assert first.status_code == 200 and first.content == second.content
    assert b"batch-%d" % batch.pk in client.get(url(company)).content


@pytest.mark.django_db
def test_refused_export_names_the_cause(client_as: Any, company: Any) -> None:
    client = client_as(company, "owner")
    response = client.post(
        url(company, "export/"), {"target": "nap", "period": "2026-13"}, follow=True
    )
    assert "YYYY-MM" in response.content.decode()
    assert not ExportBatch.objects.exists()


@pytest.mark.django_db
def test_destination_form_names_an_unwritable_folder(client_as: Any, company: Any) -> None:
    client = client_as(company, "owner")
    response = client.post(
        url(company, "destinations/new/"),
        {
            "name": "Ажур",
            "target": "ajur",
            "kinds": ["sale"],
            "schedule": "daily",
            "channel": "folder",
            "folder": "/nonexistent/ajur",
        },
    )
    assert response.status_code == 200
    assert "/nonexistent/ajur" in response.content.decode()
    assert not Destination.objects.exists()


@pytest.mark.django_db
def test_vat_period_close_and_files(client_as: Any, company: Any) -> None:
    issued(company, today=dt.date(2026, 3, 5))
    client = client_as(company, "accountant")
    page = client.get(url(company, "vat/?period=2026-03"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "02-11" in text and "close-period" in text
    prodagbi = client.get(url(company, "vat/file/?period=2026-03&name=PRODAGBI.TXT"))
    assert prodagbi.status_code == 200 and len(prodagbi.content) == 426
    deklar = client.get(url(company, "vat/file/?period=2026-03&name=DEKLAR.TXT"))
    assert len(deklar.content) == 592
    assert client.get(url(company, "vat/file/?period=2026-03&name=OTHER.TXT")).status_code == 404
    client.post(url(company, "vat/close/"), {"period": "2026-03"})
    close = VatPeriodClose.objects.get(company=company, period="202603")
    company.refresh_from_db()
    assert company.lock_date == dt.date(2026, 3, 31)
    # Reopening is an owner's: the accountant is refused.
    assert (
        client.post(url(company, f"closes/{close.pk}/reopen/"), {"reason": "x"}).status_code == 403
    )
    owner = client_as(company, "owner")
    owner.post(url(company, f"closes/{close.pk}/reopen/"), {"reason": "корекция"})
    close.refresh_from_db()
    assert close.reopened_at is not None and close.reopen_reason == "корекция"


@pytest.mark.django_db
def test_viewer_sees_but_cannot_export(client_as: Any, company: Any) -> None:
    client = client_as(company, "viewer")
    assert client.get(url(company)).status_code == 200
    assert (
        client.post(url(company, "export/"), {"target": "nap", "period": "2026-03"}).status_code
        == 403
    )
    sales = client_as(company, "sales")
    assert sales.get(url(company)).status_code == 403
