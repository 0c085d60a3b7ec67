"""A supplier's credit note settles the invoice it corrects: registered, it is set off at once
(the company setting), so the invoice's `remaining` — what a payment batch pays and the alerts
count — is the invoice less the note; by hand and through the API otherwise; undone like any
allocation. Refusals change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.payments import actions
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import SYSTEM, payment
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import SupplierInvoice
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
D = Decimal
NOTE_ROWS = [{"vat_rate": "20", "base": "25.00", "vat": "5.00"}]  # 30.00 of the 120.00


def _note(company, invoice, number="0000002001", rows=NOTE_ROWS, **data):
    return make_invoice(
        company,
        number=number,
        supplier=invoice.supplier,
        kind="credit_note",
        corrected_invoice=invoice,
        issue_date=dt.date(2026, 3, 5),
        due_date=None,
        rows=rows,
        **data,
    )


def _set_off_by_hand(company):
    """The company's setting off: a registered note waits to be set off by hand."""
    actions.update_payment_settings(
        SYSTEM,
        company,
        actions.PaymentSettingsInput.read_changes({"apply_credit_notes_on_issue": False}),
    )


def _fresh(*documents):
    return [SupplierInvoice.objects.get(pk=d.pk) for d in documents]


def test_a_registered_note_takes_its_amount_off_the_invoice(company):
    invoice = make_invoice(company)  # 120.00
    note = _note(company, invoice)
    invoice, note = _fresh(invoice, note)
    assert (invoice.amount_credited, invoice.remaining) == (D("30.00"), D("90.00"))
    assert invoice.payment_status == "to_pay"
    assert note.amount_credited == D("30.00")
    set_off = Allocation.objects.get(supplier_credit_note=note)
    assert set_off.supplier_invoice_id == invoice.pk and set_off.amount == D("30.00")
    assert set_off.exchange_difference_eur == 0
    assert AuditEntry.objects.filter(action="apply_supplier_credit_note").count() == 1
    # Paying the rest pays the invoice in full.
    paid = payment(company, invoice.supplier, "90.00", day=dt.date(2026, 3, 10), direction="out")
    actions.allocate_supplier_invoices(SYSTEM, paid, [(invoice, None)])
    (invoice,) = _fresh(invoice)
    assert (invoice.remaining, invoice.payment_status) == (0, "paid")


def test_a_payment_batch_pays_the_invoice_less_the_note(company):
    invoice = make_invoice(company)
    _note(company, invoice)
    batch = purchases_actions.create_payment_batch(SYSTEM, company, [invoice.pk])
    (item,) = batch.items.all()
    assert item.amount == D("90.00")


def test_the_setting_off_leaves_the_note_for_later_by_hand(company):
    _set_off_by_hand(company)
    invoice = make_invoice(company)
    note = _note(company, invoice)
    assert not Allocation.objects.filter(supplier_credit_note=note).exists()
    with pytest.raises(InvalidInput, match=r"30\.00"):
        actions.apply_supplier_credit_note(SYSTEM, note, amount="30.01")
    made = actions.apply_supplier_credit_note(SYSTEM, note, amount="10.00")
    assert made.amount == D("10.00")
    actions.apply_supplier_credit_note(SYSTEM, note)  # the rest: 20.00
    invoice, note = _fresh(invoice, note)
    assert (invoice.remaining, note.amount_credited) == (D("90.00"), D("30.00"))
    with pytest.raises(InvalidInput, match="already used in full"):
        actions.apply_supplier_credit_note(SYSTEM, note)


@pytest.mark.parametrize("case", ["other supplier", "other currency", "not a note", "paid"])
def test_refusals_change_nothing(company, case):
    _set_off_by_hand(company)
    invoice = make_invoice(company)
    note = _note(company, invoice)
    target = invoice
    message = {
        "other supplier": "another supplier",
        "other currency": "different currencies",
        "not a note": "not a credit note",
        "paid": "nothing left to pay",
    }[case]
    if case == "other supplier":
        target = make_invoice(
            company,
            number="0000009999",
            supplier=make_supplier(company, "Друг ООД", eik="175074752"),
        )
    elif case == "other currency":
        target = make_invoice(
            company,
            number="0000009998",
            supplier=invoice.supplier,
            currency="USD",
            exchange_rate="1.10",
        )
    elif case == "not a note":
        note = make_invoice(company, number="0000009997", supplier=invoice.supplier)
    else:
        paid = payment(company, invoice.supplier, "120.00", direction="out")
        actions.allocate_supplier_invoices(SYSTEM, paid, [(invoice, None)])
    with pytest.raises(InvalidInput, match=message):
        actions.apply_supplier_credit_note(SYSTEM, note, target)
    assert not Allocation.objects.filter(supplier_credit_note__isnull=False).exists()
    assert SupplierInvoice.objects.filter(company=company, amount_credited__gt=0).count() == 0


def test_undo_gives_the_amount_back_and_the_note_cannot_be_cancelled_before(company):
    invoice = make_invoice(company)
    note = _note(company, invoice)
    with pytest.raises(Conflict, match="set off"):
        purchases_actions.cancel_supplier_invoice(SYSTEM, note, reason="грешка")
    set_off = Allocation.objects.get(supplier_credit_note=note)
    actions.undo_allocation(SYSTEM, set_off, reason="грешно известие")
    invoice, note = _fresh(invoice, note)
    assert (invoice.amount_credited, invoice.remaining) == (0, D("120.00"))
    assert note.amount_credited == 0
    purchases_actions.cancel_supplier_invoice(SYSTEM, note, reason="грешка")


def test_the_note_cannot_shrink_below_what_it_set_off(company):
    invoice = make_invoice(company)
    note = _note(company, invoice)
    changes = SupplierInvoiceInput.read_changes(
        {"rows": [{"vat_rate": "20", "base": "10.00", "vat": "2.00"}]}
    )
    with pytest.raises(InvalidInput, match="less than"):
        purchases_actions.update_supplier_invoice(SYSTEM, note, changes)
    (note,) = _fresh(note)
    assert note.total == D("30.00")


def test_a_usd_note_at_its_own_rate_stores_the_difference(company):
    invoice = make_invoice(
        company,
        currency="USD",
        exchange_rate="1.10",
        rows=[{"vat_rate": "0", "base": "1100.00", "vat": "0.00"}],
    )
    note = _note(
        company,
        invoice,
        currency="USD",
        exchange_rate="1.25",
        rows=[{"vat_rate": "0", "base": "1100.00", "vat": "0.00"}],
    )
    set_off = Allocation.objects.get(supplier_credit_note=note)
    assert (set_off.received_eur, set_off.booked_eur) == (D("880.00"), D("1000.00"))
    assert set_off.exchange_difference_eur == D("120.00")  # we owe 120.00 EUR less: a gain


def test_the_page_and_the_api_set_a_note_off(company, client_as, api_as):
    _set_off_by_hand(company)
    invoice = make_invoice(company)
    note = _note(company, invoice)
    client = client_as(company, "owner")
    url = reverse("payments:supplier_invoice", args=[company.eik, note.pk])
    response = client.get(url)
    page = response.content.decode()
    assert 'id="set-off-note"' in page and "Приспадни от фактурата" in page
    phrases, words = english_texts()
    assert not problems_on_page("note", response, phrases, words, whole_page=True)
    answer = client.post(
        reverse("payments:supplier_set_off", args=[company.eik, note.pk]),
        {"amount": "10,00"},
        follow=True,
    ).content.decode()
    assert "10,00" in answer and "приспаднати" in answer
    (invoice,) = _fresh(invoice)
    assert invoice.remaining == D("110.00")
    response = client.get(reverse("payments:supplier_invoice", args=[company.eik, invoice.pk]))
    invoice_page = response.content.decode()
    assert f"Кредитно известие {note.supplier_number}" in invoice_page
    assert "Кредитирано" in invoice_page and 'id="credited"' in invoice_page
    assert not problems_on_page("invoice", response, phrases, words, whole_page=True)

    api = api_as(company, "accountant")
    viewer = api_as(company, "viewer")
    assert viewer.post(f"/payments/supplier-credit-notes/{note.pk}/set-off", {}).status_code == 403
    made = api.post(f"/payments/supplier-credit-notes/{note.pk}/set-off", {})
    assert made.status_code == 201, made.content
    assert made.json()["amount"] == "20.00" and made.json()["supplier_invoice_id"] == invoice.pk
    again = api.post(f"/payments/supplier-credit-notes/{note.pk}/set-off", {})
    assert again.status_code == 422 and "credit_note" in again.json()["errors"]
    (invoice,) = _fresh(invoice)
    assert invoice.remaining == D("90.00")


def test_the_payers_page_names_a_note_not_set_off(company, client_as):
    _set_off_by_hand(company)
    invoice = make_invoice(company)  # overdue today: on the payer's list
    note = _note(company, invoice)
    client = client_as(company, "owner")
    url = reverse("purchases:due", args=[company.eik])
    page = client.get(url).content.decode()
    assert "Неприспаднато кредитно известие <a" in page and ": 30,00 EUR" in page
    actions.apply_supplier_credit_note(SYSTEM, note)
    page = client.get(url).content.decode()
    assert "unused-credit-note" not in page and "90,00 EUR" in page


@pytest.mark.parametrize("automatic", [True, False])
def test_registering_a_note_says_whether_it_was_set_off(company, client_as, automatic):
    if not automatic:
        _set_off_by_hand(company)
    invoice = make_invoice(company)
    answer = client_as(company, "purchasing").post(
        f"/c/{company.eik}/purchases/new/",
        {
            "supplier": invoice.supplier_id,
            "kind": "credit_note",
            "corrected_invoice": invoice.pk,
            "supplier_number": "0000002001",
            "issue_date": "2026-03-05",
            "currency": "EUR",
            "row0_vat_rate": "20",
            "row0_base": "25.00",
            "row0_vat": "5.00",
            "row0_vat_credit": "full",
        },
        follow=True,
    )
    page = answer.content.decode()
    (invoice,) = _fresh(invoice)
    if automatic:
        assert "30,00\xa0EUR от него са приспаднати от фактура 0000001001" in page
        assert invoice.remaining == D("90.00")
    else:
        assert "Не е приспаднато от фактура 0000001001" in page
        assert invoice.remaining == D("120.00")
