"""Credit notes and references settle at once: an issued credit note offsets its invoice in
the issue's transaction (company setting); a payment naming one open document's RF reference
or number is allocated to it."""

from __future__ import annotations

from decimal import Decimal

from xfinances.core.audit import Actor
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.tests.factories import bg_client, line
from xfinances.payments import actions
from xfinances.payments.models import Allocation
from xfinances.payments.reference_matching import references_in
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment

D = Decimal


def _note(document, price="30.00", actor=SYSTEM):
    return invoicing.create_credit_note(
        actor,
        document,
        reason="отстъпка",
        issue=True,
        today=DAY,
        lines=[line(price, vat="exempt")],
    ).document


def test_issuing_a_credit_note_settles_its_invoice_at_once(company, make_member):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    sales = Actor(make_member(company, "sales"))  # may issue, may not allocate by hand
    note = _note(document, actor=sales)
    document.refresh_from_db()
    assert (document.payment_status, document.credited_amount) == ("partly_paid", D("30.00"))
    allocation = Allocation.objects.get(credit_note=note)
    assert allocation.document == document and allocation.created_by == sales.user
    actions.allocate(SYSTEM, payment(company, client, "70.00"), [(document, None)])
    document.refresh_from_db()
    assert document.payment_status == "paid"


def test_the_setting_off_leaves_the_note_for_later(company):
    actions.update_payment_settings(
        SYSTEM,
        company,
        actions.PaymentSettingsInput.read_changes({"apply_credit_notes_on_issue": False}),
    )
    document = invoice(company, price="100.00")
    _note(document)
    document.refresh_from_db()
    assert document.payment_status == "unpaid" and not Allocation.objects.exists()
    assert actions.apply_open_credit_notes(SYSTEM, company) == 1


def test_a_note_to_a_paid_invoice_stays_the_clients_credit(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    actions.allocate(SYSTEM, payment(company, client, "100.00"), [(document, None)])
    note = _note(document)
    note.refresh_from_db()
    assert (
        note.outstanding_amount == D("30.00")
        and not Allocation.objects.filter(credit_note=note).exists()
    )


def test_references_in_text():
    found = references_in("Плащане по ф-ра 123 и RF18 5390 0754 7034", "0000000456")
    assert found.rf == ("RF18539007547034",)
    assert found.numbers == ("0000000123", "0000000456")
    assert not references_in("за услуги през март 2026, сума 1250.50")


def test_a_payment_with_the_rf_reference_is_allocated(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    invoice(company, client, "50.00")
    paid = payment(company, None, "100.00", bank_reference=f"PLASHTANE {document.rf_reference}")
    document.refresh_from_db()
    assert paid.party == client and paid.allocated == D("100.00")
    assert document.payment_status == "paid"


def test_a_number_in_the_note_allocates_only_when_one_document_fits(company):
    client = bg_client(company)
    first, second = invoice(company, client, "100.00"), invoice(company, client, "50.00")
    one = payment(company, client, "40.00", note=f"по фактура {int(second.number)}")
    assert one.allocated == D("40.00")
    both = payment(company, client, "10.00", note=f"{first.number} {second.number}")
    assert both.allocated == 0  # two documents fit: left for a person
    other = payment(company, bg_client(company), "10.00", note=first.number)
    assert other.allocated == 0  # another client's payment
    nothing = payment(company, client, "10.00", note="аванс")
    assert nothing.allocated == 0


def test_the_allocation_screen_counts_credit_notes(company, client_as):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    _note(document)
    paid = payment(company, client, "10.00", match_reference=False)
    page = client_as(company, "accountant").get(f"/c/{company.eik}/payments/{paid.pk}/")
    text = page.content.decode()
    assert f'data-outstanding="{document.pk}"' in text
    assert "70.00" in text or "70,00" in text


def test_voiding_gives_back_what_settled_the_document(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    note = _note(document)
    invoicing.void_document(SYSTEM, note, reason="грешка", today=DAY)
    document.refresh_from_db()
    assert document.payment_status == "unpaid" and document.credited_amount == 0
    paid = payment(company, client, "100.00", match_reference=False)
    actions.allocate(SYSTEM, paid, [(document, None)])
    invoicing.void_document(SYSTEM, document, reason="грешка", today=DAY)
    paid.refresh_from_db()
    assert paid.allocated == 0  # the money is the client's credit again
    assert Allocation.objects.filter(undone_at__isnull=True).count() == 0
