"""The payment state stored on every sales document (paid, credited, written off, outstanding,
status) follows each allocation, credit note offset, write-off and undo in the same
transaction, and issue, edit and void."""

from __future__ import annotations

import importlib
from decimal import Decimal
from itertools import product

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing import inputs
from xfinances.invoicing.models import Document, DocumentKind
from xfinances.invoicing.payment_state import payment_state
from xfinances.invoicing.tests.factories import bg_client, draft, issued, line
from xfinances.payments import actions, queries
from xfinances.payments.models import DocumentSettlement
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment

D = Decimal


def stored(document: Document) -> tuple[str, Decimal, Decimal, Decimal, Decimal]:
    document.refresh_from_db()
    return (
        document.payment_status,
        document.paid_amount,
        document.credited_amount,
        document.written_off_amount,
        document.outstanding_amount,
    )


def test_an_issued_invoice_is_unpaid_and_a_draft_or_proforma_not_applicable(company):
    document = invoice(company, price="100.00")
    assert stored(document) == ("unpaid", D("0"), D("0"), D("0"), D("100.00"))
    assert draft(company).payment_status == "not_applicable"
    proforma = issued(company, kind=DocumentKind.PROFORMA, today=DAY, issue_date=DAY)
    assert stored(proforma)[0] == "not_applicable"


def test_each_allocation_undo_and_write_off_updates_the_document(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    first = actions.allocate(SYSTEM, payment(company, client, "40.00"), [(document, None)])[0]
    assert stored(document) == ("partly_paid", D("40.00"), D("0"), D("0"), D("60.00"))
    actions.allocate(SYSTEM, payment(company, client, "59.50"), [(document, None)])
    assert stored(document)[0] == "partly_paid"
    item = actions.write_off(SYSTEM, document, reason="bank fee")
    assert stored(document) == ("written_off", D("99.50"), D("0"), D("0.50"), D("0.00"))
    actions.undo_write_off(SYSTEM, item, reason="mistake")
    assert stored(document) == ("partly_paid", D("99.50"), D("0"), D("0.00"), D("0.50"))
    actions.undo_allocation(SYSTEM, first, reason="wrong client")
    assert stored(document) == ("partly_paid", D("59.50"), D("0"), D("0.00"), D("40.50"))
    actions.allocate(SYSTEM, payment(company, client, "40.50"), [(document, None)])
    assert stored(document) == ("paid", D("100.00"), D("0"), D("0.00"), D("0.00"))


def test_a_credit_note_counts_as_credited_and_keeps_its_own_rest(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    note = invoicing.create_credit_note(
        SYSTEM,
        document,
        reason="отстъпка",
        issue=True,
        today=DAY,
        lines=[line("30.00", vat="exempt")],
    ).document
    actions.apply_open_credit_notes(SYSTEM, company)
    assert stored(document) == ("partly_paid", D("0"), D("30.00"), D("0"), D("70.00"))
    assert stored(note) == ("not_applicable", D("0"), D("30.00"), D("0"), D("0.00"))
    actions.allocate(SYSTEM, payment(company, client, "70.00"), [(document, None)])
    assert stored(document) == ("paid", D("70.00"), D("30.00"), D("0"), D("0.00"))


def test_edit_down_after_payment_is_overpaid_and_void_is_not_applicable(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    actions.allocate(SYSTEM, payment(company, client, "100.00"), [(document, None)])
    invoicing.edit_issued_document(
        SYSTEM,
        document,
        inputs.draft(lines=[line("80.00", vat="exempt")]),
        reason="price",
        today=DAY,
    )
    assert stored(document)[0] == "overpaid"
    assert stored(document)[4] == D("-20.00")
    other = invoice(company, client, "10.00")
    invoicing.void_document(SYSTEM, other, reason="mistake", today=DAY)
    assert stored(other)[0] == "not_applicable" and stored(other)[4] == D("0")


def test_a_refused_allocation_leaves_the_stored_state(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, "50.00")
    with pytest.raises(InvalidInput):
        actions.allocate(SYSTEM, paid, [(document, "30.00"), (document, "30.00")])
    assert stored(document) == ("unpaid", D("0"), D("0"), D("0"), D("100.00"))


def test_the_stored_state_agrees_with_the_settlement_rows(company):
    client = bg_client(company)
    documents = [invoice(company, client, price) for price in ("10.00", "20.00", "30.00")]
    actions.allocate(SYSTEM, payment(company, client, "35.00"), [(d, None) for d in documents])
    for document in documents:
        state = stored(document)
        row = DocumentSettlement.objects.get(pk=document.pk)
        assert (row.paid, row.credited, row.written_off) == state[1:4]
        assert document.total - row.settled == state[4]
        assert queries.document_payment(document).status == state[0]


def test_the_migration_copies_the_rules():
    frozen = importlib.import_module("xfinances.payments.migrations.0004_document_payment_state")
    amounts = (D("0"), D("40.00"), D("100.00"))
    for kind, status, paid, credited, written_off in product(
        ("invoice", "debit_note", "credit_note", "proforma", "protocol"),
        ("draft", "issued", "voided"),
        amounts,
        amounts,
        (D("0"), D("0.50")),
    ):
        live = payment_state(
            kind=kind,
            status=status,
            total=D("100.00"),
            paid=paid,
            credited=credited,
            written_off=written_off,
        )
        old = frozen._state(kind, status, D("100.00"), paid, credited, written_off)
        assert old == (live.status, live.outstanding)


def test_the_api_shows_the_state_and_filters_by_it(company, api_as):
    api = api_as(company, "accountant")
    client = bg_client(company)
    paid, open_one = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    actions.allocate(SYSTEM, payment(company, client, "100.00"), [(paid, None)])
    body = api.get(f"/documents/{paid.pk}").json()
    assert body["payment_status"] == "paid"
    assert (body["paid_amount"], body["outstanding_amount"]) == ("100.00", "0.00")
    listed = api.get("/documents", payment_status="paid").json()["items"]
    assert [i["id"] for i in listed] == [paid.pk] and listed[0]["payment_status"] == "paid"
    assert [i["id"] for i in api.get("/documents", payment_status="open").json()["items"]] == [
        open_one.pk
    ]
    refused = api.get("/documents", payment_status="nonsense")
    assert refused.status_code == 422 and "payment_status" in refused.json()["errors"]


def test_the_list_filters_and_shows_badges(company, client_as):
    web = client_as(company, "owner")
    client = bg_client(company)
    paid, open_one = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    actions.allocate(SYSTEM, payment(company, client, "100.00"), [(paid, None)])
    page = web.get(f"/c/{company.eik}/documents/?payment_status=paid").content.decode()
    assert f'data-document="{paid.pk}"' in page and f'data-document="{open_one.pk}"' not in page
    assert 'data-payment-status="paid"' in page
    page = web.get(f"/c/{company.eik}/documents/?payment_status=open").content.decode()
    assert f'data-document="{open_one.pk}"' in page and 'data-payment-status="unpaid"' in page


def test_exports_and_dashboard_show_the_state(company, client_as):
    web = client_as(company, "owner")
    client = bg_client(company, name="Длъжник АД")
    paid, open_one = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    actions.allocate(SYSTEM, payment(company, client, "120.00"), [(paid, None), (open_one, None)])
    text = web.get(f"/c/{company.eik}/documents/?format=csv").content.decode("utf-8-sig")
    lines = {row.split(",")[0]: row for row in text.splitlines()[1:]}
    assert ",100.00,100.00,0.00,0.00,0.00,EUR," in lines[paid.number]
    assert ",50.00,20.00,0.00,0.00,30.00,EUR," in lines[open_one.number]
    xlsx = web.get(f"/c/{company.eik}/documents/?format=xlsx&payment_status=paid")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    dashboard = web.get(f"/c/{company.eik}/").content.decode()
    assert 'id="payment-summary"' in dashboard
    assert "30.00 EUR" in dashboard or "30,00 EUR" in dashboard
