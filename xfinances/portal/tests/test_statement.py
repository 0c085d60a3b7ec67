"""The client's statuses, account statement (balance, aging) and how to pay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.models import CompanyBankAccount
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.invoicing.tests.factories import issued, line
from xfinances.portal import queries
from xfinances.portal.queries import aging_bucket, document_status
from xfinances.portal.tests.factories import client_party, sign_in

TODAY = dt.date(2026, 11, 20)
SYSTEM = Actor.system()


UNPAID = ("unpaid", Decimal("0.00"), Decimal("100.00"))
PARTLY = ("partly_paid", Decimal("40.00"), Decimal("60.00"))
PAID = ("paid", Decimal("100.00"), Decimal("0.00"))
WRITTEN_OFF = ("written_off", Decimal("99.50"), Decimal("0.00"))
LATE = TODAY - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "kind", "due", "payment", "expected"),
    [
        (DocumentStatus.VOIDED, DocumentKind.INVOICE, TODAY - dt.timedelta(days=5), None, "voided"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, LATE, UNPAID, "overdue"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, TODAY, UNPAID, "unpaid"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, None, UNPAID, "unpaid"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, TODAY, PARTLY, "partly_paid"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, LATE, PARTLY, "overdue"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, LATE, PAID, "paid"),
        (DocumentStatus.ISSUED, DocumentKind.INVOICE, LATE, WRITTEN_OFF, "paid"),
        (DocumentStatus.ISSUED, DocumentKind.DEBIT_NOTE, LATE, UNPAID, "overdue"),
        (
            DocumentStatus.ISSUED,
            DocumentKind.PROFORMA,
            TODAY - dt.timedelta(days=9),
            None,
            "not_payable",
        ),
        (DocumentStatus.ISSUED, DocumentKind.CREDIT_NOTE, None, None, "not_payable"),
        (DocumentStatus.VOIDED, DocumentKind.PROFORMA, None, None, "voided"),
    ],
)
def test_document_status_mapping(status, kind, due, payment, expected):
    document = Document(status=status, kind=kind, due_date=due, total=Decimal("100.00"))
    assert document_status(document, TODAY, payment) == expected


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [
        (-3, "not_due"),
        (0, "not_due"),
        (1, "1_30"),
        (30, "1_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_aging_buckets(days_late, bucket):
    assert aging_bucket(TODAY - dt.timedelta(days=days_late), TODAY) == bucket
    assert aging_bucket(None, TODAY) == "not_due"


def _invoice(company, party, issue: dt.date, due: dt.date, price: str) -> Document:
    return issued(
        company,
        party=party,
        lines=[line(price)],
        issue_date=issue,
        tax_event_date=issue,
        due_date=due,
        today=issue,
    )


@pytest.mark.django_db
def test_statement_balance_and_aging(company):
    party = client_party(company)
    old = _invoice(
        company, party, TODAY - dt.timedelta(days=120), TODAY - dt.timedelta(days=100), "100"
    )
    mid = _invoice(
        company, party, TODAY - dt.timedelta(days=60), TODAY - dt.timedelta(days=45), "50"
    )
    new = _invoice(
        company, party, TODAY - dt.timedelta(days=2), TODAY + dt.timedelta(days=12), "10"
    )
    voided = _invoice(
        company, party, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=13), "7"
    )
    invoicing.void_document(SYSTEM, voided, reason="грешка", today=TODAY - dt.timedelta(days=1))
    credit = invoicing.create_credit_note(
        SYSTEM,
        new,
        reason="отстъпка",
        lines=[line("5")],
        issue=True,
        today=TODAY - dt.timedelta(days=1),
    ).document
    other = client_party(company)
    _invoice(company, other, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=5), "999")

    [eur] = queries.statement(company, party, TODAY)
    assert eur.currency == "EUR"
    totals = {line.document.pk: line for line in eur.lines}
    assert set(totals) == {old.pk, mid.pk, new.pk, voided.pk, credit.pk}  # not the other party's
    assert totals[voided.pk].status == "voided" and totals[voided.pk].open_amount == 0
    assert totals[credit.pk].amount == -credit.total
    assert eur.balance == old.total + mid.total + new.total - credit.total
    assert eur.overdue == old.total + mid.total
    assert eur.aging["over_90"] == old.total
    assert eur.aging["31_60"] == mid.total
    assert eur.aging["not_due"] == new.total - credit.total
    assert eur.aging.get("1_30", Decimal(0)) == 0


@pytest.mark.django_db
def test_documents_page_highlights_overdue_and_shows_voided(company, client):
    import time_machine

    party = client_party(company)
    late = _invoice(
        company, party, TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=10), "100"
    )
    voided = _invoice(
        company, party, TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=10), "7"
    )
    invoicing.void_document(SYSTEM, voided, reason="грешка", today=TODAY - dt.timedelta(days=3))
    sign_in(client, company, party)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)):
        page = client.get(f"/portal/{company.eik}/").content.decode()
        detail = client.get(f"/portal/{company.eik}/documents/{voided.pk}/").content.decode()
        statement = client.get(f"/portal/{company.eik}/statement/")
    assert f'<tr class="overdue" data-document="{late.pk}">' in page
    assert 'data-status="overdue"' in page and 'data-status="voided"' in page
    assert 'id="voided-note"' in detail and 'id="how-to-pay"' not in detail
    assert 'id="accept-document"' not in detail
    assert statement.status_code == 200
    assert statement.context["statements"][0].balance == late.total


@pytest.mark.django_db
def test_how_to_pay_shows_iban_rf_reference_and_epc_qr(company, client):
    CompanyBankAccount.objects.create(
        company=company, iban="BG80BNBG96611020345678", bic="BNBGBGSD", is_default=True
    )
    party = client_party(company)
    document = issued(company, party=party)
    sign_in(client, company, party)
    response = client.get(f"/portal/{company.eik}/documents/{document.pk}/")
    payment = response.context["payment"]
    assert payment is not None
    assert payment.iban == "BG80BNBG96611020345678"
    assert payment.amount == document.total
    html = response.content.decode()
    assert 'id="how-to-pay"' in html and "<svg" in html
    assert document.rf_reference.startswith("RF")
    assert payment.rf_reference == document.rf_reference
    assert 'id="pay-rf"' in html and payment.rf_printed in html


@pytest.mark.django_db
def test_no_iban_no_payment_block(company, client):
    party = client_party(company)
    document = issued(company, party=party)
    CompanyBankAccount.objects.filter(company=company).delete()
    Document.objects.filter(pk=document.pk).update(supplier_bank_accounts=[])
    sign_in(client, company, party)
    response = client.get(f"/portal/{company.eik}/documents/{document.pk}/")
    assert response.context["payment"] is None
    assert b'id="how-to-pay"' not in response.content
    # The e-invoice (accounting's UBL) needs no IBAN: its link stays and works.
    assert b'id="download-xml"' in response.content
    assert client.get(f"/portal/{company.eik}/documents/{document.pk}/xml/").status_code == 200
