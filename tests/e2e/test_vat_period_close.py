"""An accountant opens the VAT month, downloads the NAP files, and closes the period."""

import datetime as dt

import pytest

from tests.e2e.conftest import sign_in
from xfinances.accounting.models import VatPeriodClose
from xfinances.invoicing.tests.factories import issued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_close_a_vat_period_and_download_the_nap_files(page, live_server, company, make_member):
    issued(company, today=dt.date(2026, 3, 5))
    user = make_member(company, "accountant", email="acc@example.bg")
    sign_in(page, live_server, user.email, "Test-Parola-2026!")

    page.goto(f"{live_server.url}/c/{company.eik}/accounting/vat/?period=2026-03")
    assert page.locator("#sales tbody tr").count() == 1
    for name, size in (("PRODAGBI.TXT", 426), ("POKUPKI.TXT", 0), ("DEKLAR.TXT", 592)):
        with page.expect_download() as download:
            page.click(f"#nap-files a:has-text('{name}')")
        path = download.value.path()
        assert download.value.suggested_filename == name
        with open(path, "rb") as handle:
            assert len(handle.read()) == size

    page.click("#close-period")
    page.wait_for_selector("#closed")
    close = VatPeriodClose.objects.get(company=company, period="202603")
    assert close.closed_by == user
    company.refresh_from_db()
    assert company.lock_date == dt.date(2026, 3, 31)
