"""The portal reads real payment states from the payments area: statuses, open amounts in the
statement, the amount to pay; and a PDF download lands in the delivery log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xfinances.core.audit import Actor
from xfinances.core.models import CompanyBankAccount
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import issued, line
from xfinances.notifications.models import DeliveryLogEntry, LogEvent
from xfinances.payments import actions as payments
from xfinances.portal import queries
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
SYSTEM = Actor.system()
D = Decimal


def _invoice(company, party, due: dt.date, price: str) -> Document:
    issue = due - dt.timedelta(days=14)
    return issued(
        company,
        party=party,
        lines=[line(price, vat="exempt")],
        issue_date=issue,
        tax_event_date=issue,
        due_date=due,
        today=issue,
    )


def _pay(company, party, document, amount: str) -> None:
    paid = payments.record_payment(
        SYSTEM,
        company,
        payments.PaymentInput.read(
            {
                "direction": "in",
                "date": document.issue_date,
                "amount": D(amount),
                "currency": document.currency,
                "party": party,
            }
        ),
    )
    payments.allocate(SYSTEM, paid, [(document, D(amount))])


def test_statuses_and_open_amounts_come_from_the_payments(company):
    party = client_party(company)
    paid_late = _invoice(company, party, TODAY - dt.timedelta(days=10), "100.00")
    partly_late = _invoice(company, party, TODAY - dt.timedelta(days=5), "80.00")
    partly = _invoice(company, party, TODAY + dt.timedelta(days=5), "50.00")
    unpaid = _invoice(company, party, TODAY + dt.timedelta(days=9), "30.00")
    _pay(company, party, paid_late, "100.00")
    _pay(company, party, partly_late, "30.00")
    _pay(company, party, partly, "20.00")

    [eur] = queries.statement(company, party, TODAY)
    lines = {entry.document.pk: entry for entry in eur.lines}
    assert (lines[paid_late.pk].status, lines[paid_late.pk].open_amount) == ("paid", D("0.00"))
    assert (lines[partly_late.pk].status, lines[partly_late.pk].open_amount) == (
        "overdue",
        D("50.00"),
    )
    assert (lines[partly.pk].status, lines[partly.pk].open_amount) == ("partly_paid", D("30.00"))
    assert (lines[unpaid.pk].status, lines[unpaid.pk].open_amount) == ("unpaid", D("30.00"))
    assert eur.balance == D("110.00") and eur.overdue == D("50.00")
    assert eur.aging["1_30"] == D("50.00") and eur.aging["not_due"] == D("60.00")
    statuses = queries.statuses_of([paid_late, partly_late, partly, unpaid], TODAY)
    assert statuses == {
        d.pk: queries.document_status(d, TODAY) for d in (paid_late, partly_late, partly, unpaid)
    }


def test_pages_show_paid_and_ask_only_the_rest(company, client):
    CompanyBankAccount.objects.create(
        company=company, iban="BG80BNBG96611020345678", bic="BNBGBGSD", is_default=True
    )
    party = client_party(company)
    partly = _invoice(company, party, TODAY + dt.timedelta(days=5), "50.00")
    paid = _invoice(company, party, TODAY + dt.timedelta(days=5), "40.00")
    _pay(company, party, partly, "20.00")
    _pay(company, party, paid, "40.00")
    sign_in(client, company, party)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)):
        page = client.get(f"/portal/{company.eik}/").content.decode()
        rest = client.get(f"/portal/{company.eik}/documents/{partly.pk}/")
        done = client.get(f"/portal/{company.eik}/documents/{paid.pk}/")
    assert 'data-status="paid"' in page and 'data-status="partly_paid"' in page
    assert rest.context["payment"].amount == D("30.00")
    assert done.context["payment"] is None and b'id="how-to-pay"' not in done.content


def test_pdf_download_is_in_the_delivery_log(company, client):
    party = client_party(company)
    document = issued(company, party=party)
    sign_in(client, company, party)

    response = client.get(f"/portal/{company.eik}/documents/{document.pk}/pdf/")

    assert response.status_code == 200
    [entry] = DeliveryLogEntry.objects.filter(company=company, document=document)
    assert entry.event == LogEvent.DOWNLOADED and entry.detail == "portal"


def test_a_credit_note_shows_no_due_date(company, client):
    """A credit note pays nothing, so the client is not shown a day to pay it by (a draft
    gives every kind but a protocol a due date from the payment terms)."""
    party = client_party(company)
    invoice = _invoice(company, party, TODAY + dt.timedelta(days=5), "50.00")
    note = invoicing.create_credit_note(SYSTEM, invoice, reason="Върната стока", issue=True)
    credit = note.document
    assert credit.due_date is not None
    due = credit.due_date.strftime("%d.%m.%Y")
    sign_in(client, company, party)
    listed = client.get(f"/portal/{company.eik}/", HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    row = listed.split(f'data-document="{credit.pk}"', 1)[1].split("</tr>", 1)[0]
    assert due not in row and "<td>—</td>" in row
    invoice_row = listed.split(f'data-document="{invoice.pk}"', 1)[1].split("</tr>", 1)[0]
    assert invoice.due_date.strftime("%d.%m.%Y") in invoice_row  # an invoice keeps its own
    detail = client.get(f"/portal/{company.eik}/documents/{credit.pk}/").content.decode()
    statement = client.get(f"/portal/{company.eik}/statement/").content.decode()
    assert "Падеж" not in detail.split('class="row mb-0"', 1)[1].split("</dl>", 1)[0]
    line = statement.split(f"Кредитно известие {credit.number}</a></td>", 1)[1].split("</tr>")[0]
    assert due not in line and "<td>—</td>" in line
