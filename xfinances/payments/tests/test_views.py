"""Pages: receivables with exports, payment allocation, statement PDF/XLSX, reminders with
preview and send-now, roles; the dashboard's top debtors."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications.models import OutboxMessage
from xfinances.payments import actions
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment


def test_allocate_from_the_payment_page_and_see_the_document(company, client_as):
    web = client_as(company, "accountant")
    debtor = bg_client(company, name="Длъжник АД")
    document = invoice(company, debtor, "100.00")
    paid = payment(company, debtor, "70.00")
    base = f"/c/{company.eik}/payments"
    page = web.get(f"{base}/{paid.pk}/")
    assert document.number in page.content.decode()
    response = web.post(f"{base}/{paid.pk}/allocate/", {"document": document.pk, "amount": "90"})
    assert response.status_code == 302 and not Allocation.objects.exists()  # more than paid
    web.post(f"{base}/{paid.pk}/allocate/", {"document": document.pk})
    assert Allocation.objects.get().document_amount == Decimal("70.00")
    detail = web.get(f"{base}/documents/{document.pk}/").content.decode()
    assert 'id="remaining">30,00<' in detail or 'id="remaining">30.00<' in detail
    aging = web.get(f"{base}/?on=2026-12-31").content.decode()
    assert "Длъжник АД" in aging and ("30,00" in aging or "30.00" in aging)
    book = load_workbook(io.BytesIO(web.get(f"{base}/?on=2026-12-31&format=xlsx").content))
    rows = list(book.active.values)
    assert rows[1][0] == "Длъжник АД" and rows[1][-1] == 30
    csv_text = web.get(f"{base}/list/?format=csv").content.decode("utf-8-sig")
    assert "70.00" in csv_text
    dashboard = web.get(f"/c/{company.eik}/").content.decode()
    assert 'id="top-debtors"' in dashboard and "Длъжник АД" in dashboard


def test_statement_pdf_and_xlsx(company, client_as):
    web = client_as(company, "owner")
    debtor = bg_client(company)
    invoice(company, debtor, "100.00")
    payment(company, debtor, "40.00", day=DAY + dt.timedelta(days=3))
    url = f"/c/{company.eik}/payments/statement/{debtor.pk}/?from=2026-01-01&to=2026-12-31"
    page = web.get(url).content.decode()
    assert 'id="closing">60,00<' in page or 'id="closing">60.00<' in page
    pdf = web.get(url + "&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    rows = list(load_workbook(io.BytesIO(web.get(url + "&format=xlsx").content)).active.values)
    assert rows[-1][-1] == 60 and rows[1][-1] == 0


def test_reminders_page_preview_and_send_now(company, client_as):
    web = client_as(company, "owner")
    actions.ensure_default_levels(SYSTEM, company)
    debtor = bg_client(company, name="Бавен ООД", email="slow@client.bg")
    invoice(company, debtor, "10.00", due=dt.date.today() - dt.timedelta(days=4))
    page = web.get(f"/c/{company.eik}/payments/reminders/").content.decode()
    assert "Бавен ООД" in page  # the preview
    web.post(f"/c/{company.eik}/payments/reminders/send-now/")
    assert OutboxMessage.objects.filter(payload__purpose="reminder").count() == 1
    viewer = client_as(company, "viewer")
    assert viewer.post(f"/c/{company.eik}/payments/reminders/send-now/").status_code == 403
