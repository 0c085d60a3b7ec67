"""Refunds both ways: a client's credit paid back, our overpayment to a supplier returned by
the supplier; a recorded payment (a bank entry's) linked as a refund and the link taken back;
refusals that change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry, ExchangeRate
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions, aging, queries
from xfinances.payments.models import Payment
from xfinances.payments.tests.factories import SYSTEM, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2026, 3, 5)


def overpaid_supplier(company, amount="150.00"):
    """An outgoing payment of `amount` to a supplier invoice of 120.00: 30.00 is our credit."""
    invoice = make_invoice(company)
    paid = payment(company, invoice.supplier, amount, day=DAY, direction="out")
    actions.allocate(SYSTEM, paid, [(invoice, None)])
    paid.refresh_from_db()
    return paid


def test_the_supplier_returns_our_overpayment(company):
    paid = overpaid_supplier(company)
    assert paid.unallocated == D("30.00")
    returned = actions.refund_credit(
        SYSTEM, paid, actions.RefundInput.read({"amount": "30.00", "date": DAY})
    )
    paid.refresh_from_db()
    assert returned.direction == "in" and returned.refund_of == paid
    assert returned.allocated == returned.amount == D("30.00")
    assert returned.note == "Overpayment returned by the supplier"
    assert paid.unallocated == 0
    assert queries.payment_allocated_parts(paid) == paid.amount
    # An incoming refund is no client credit.
    assert aging.party_credit_rows(company, DAY) == []
    assert aging.party_credit(company, paid.party) == {}


def test_a_refund_cannot_be_refunded_nor_exceed_the_rest(company):
    paid = overpaid_supplier(company)
    with pytest.raises(InvalidInput, match=r"30\.00"):
        actions.refund_credit(
            SYSTEM, paid, actions.RefundInput.read({"amount": "30.01", "date": DAY})
        )
    returned = actions.refund_credit(
        SYSTEM, paid, actions.RefundInput.read({"amount": "10.00", "date": DAY})
    )
    with pytest.raises(InvalidInput, match="cannot be refunded"):
        actions.refund_credit(
            SYSTEM, returned, actions.RefundInput.read({"amount": "1.00", "date": DAY})
        )
    assert Payment.objects.filter(company=company).count() == 2


def test_a_bank_payment_is_linked_as_the_supplier_returning_our_overpayment(company):
    paid = overpaid_supplier(company)
    came_back = payment(company, None, "30.00", day=DAY + dt.timedelta(days=4))
    linked = actions.link_refund(SYSTEM, came_back, paid)
    paid.refresh_from_db()
    assert linked.refund_of_id == paid.pk and linked.party_id == paid.party_id
    assert linked.unallocated == 0 and paid.unallocated == 0
    entry = AuditEntry.objects.get(action="link_refund")
    assert entry.changes["refund"] == [None, came_back.pk]

    actions.unlink_refund(SYSTEM, linked, reason="wrong payment")
    paid.refresh_from_db()
    linked.refresh_from_db()
    assert linked.refund_of_id is None and linked.unallocated == D("30.00")
    assert paid.unallocated == D("30.00")
    assert AuditEntry.objects.get(action="unlink_refund").reason == "wrong payment"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c, p: payment(c, p.party, "30.00", day=DAY, direction="out"), "other way"),
        (lambda c, p: payment(c, p.party, "30.01", day=DAY), r"30\.00"),
        (
            lambda c, p: payment(c, bg_client(c), "30.00", day=DAY),
            "own party",
        ),
    ],
)
def test_link_refund_refuses_and_changes_nothing(company, make, message):
    paid = overpaid_supplier(company)
    other = make(company, paid)
    with pytest.raises(InvalidInput, match=message):
        actions.link_refund(SYSTEM, other, paid)
    paid.refresh_from_db()
    other.refresh_from_db()
    assert paid.unallocated == D("30.00") and other.refund_of_id is None
    assert other.allocated == 0
    assert not AuditEntry.objects.filter(action="link_refund").exists()


def test_link_refund_refuses_a_payment_already_allocated(company):
    paid = overpaid_supplier(company)
    client = bg_client(company)
    in_part = payment(company, None, "10.00", day=DAY)
    actions.link_refund(SYSTEM, in_part, paid)
    with pytest.raises(Conflict):
        actions.link_refund(SYSTEM, in_part, paid)
    assert client  # another party exists; the refund kept the supplier
    in_part.refresh_from_db()
    assert in_part.party_id == paid.party_id


def test_a_linked_refund_in_usd_takes_the_rest_of_the_payments_eur(company):
    ExchangeRate.objects.create(currency="USD", date=DAY, rate=D("1.10000000"))
    ExchangeRate.objects.create(currency="USD", date=DAY + dt.timedelta(days=4), rate=D("1.25"))
    supplier = make_supplier(company)
    paid = payment(company, supplier, "33.00", day=DAY, currency="USD", direction="out")
    assert paid.eur_amount == D("30.00")
    came_back = payment(company, None, "33.00", day=DAY + dt.timedelta(days=4), currency="USD")
    assert came_back.eur_amount == D("26.40")
    linked = actions.link_refund(SYSTEM, came_back, paid)
    assert linked.eur_amount == D("30.00")  # closes the payment's EUR figure on 401
    actions.unlink_refund(SYSTEM, linked, reason="undo")
    linked.refresh_from_db()
    assert linked.eur_amount == D("26.40")  # its own again


def test_the_statement_names_refunds(company):
    paid = overpaid_supplier(company)
    actions.refund_credit(SYSTEM, paid, actions.RefundInput.read({"amount": "30.00", "date": DAY}))
    lines = aging.statement(company, paid.party, "EUR", DAY, DAY).entries
    assert [line.text for line in lines] == ["Payment made", "Overpayment returned"]


# --- the payment page and the API --------------------------------------------------------------


def test_the_payment_page_records_the_suppliers_return(company, client_as):
    paid = overpaid_supplier(company)
    account = bank_account(company)
    client = client_as(company, "owner")
    url = reverse("payments:payment", args=[company.eik, paid.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Доставчикът върна надплатеното" in page and 'value="30,00"' in page
    refused = client.post(
        reverse("payments:refund", args=[company.eik, paid.pk]),
        {"amount": "30,01", "date": "2026-03-09", "account": account.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="bg",
    )
    assert "От това плащане остават само 30,00 EUR." in refused.content.decode()
    assert not Payment.objects.filter(company=company, refund_of=paid).exists()
    client.post(
        reverse("payments:refund", args=[company.eik, paid.pk]),
        {"amount": "30,00", "date": "2026-03-09", "account": account.pk},
    )
    returned = Payment.objects.get(company=company, refund_of=paid)
    assert returned.direction == "in" and returned.movement.account_id == account.pk
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Върнато от доставчика" in page and 'id="refund-payment"' not in page
    own = client.get(
        reverse("payments:payment", args=[company.eik, returned.pk]), HTTP_ACCEPT_LANGUAGE="bg"
    ).content.decode()
    assert "Връщане от доставчика на надплатеното ни по плащането от" in own
    assert "Все още не е разнесено" not in own  # all of it returns the rest
    assert "Цялата сума връща остатъка от плащането по-горе." in own


def test_the_api_refunds_the_rest_and_refuses_the_next(company, api_as):
    paid = overpaid_supplier(company)
    api = api_as(company, "accountant")
    made = api.post(f"/payments/{paid.pk}/refund", {"date": "2026-03-09"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["direction"] == "in" and body["refund_of_id"] == paid.pk
    assert body["amount"] == "30.00" and body["unallocated"] == "0.00"
    again = api.post(f"/payments/{paid.pk}/refund", {"amount": "1.00"})
    assert again.status_code == 422 and "amount" in again.json()["errors"]
    viewer = api_as(company, "viewer")
    assert viewer.post(f"/payments/{paid.pk}/refund", {}).status_code == 403
    assert Payment.objects.filter(company=company, refund_of=paid).count() == 1


def test_the_page_links_a_bank_payment_as_the_return_and_takes_it_back(company, client_as):
    paid = overpaid_supplier(company)
    came_back = payment(company, paid.party, "30.00", day=DAY + dt.timedelta(days=4))
    too_big = payment(company, paid.party, "30.01", day=DAY + dt.timedelta(days=4))
    client = client_as(company, "owner")
    url = reverse("payments:payment", args=[company.eik, came_back.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="bg").content.decode()
    assert "Връща ли доставчик надплатеното от нас?" in page
    assert f'name="payment" value="{paid.pk}"' in page
    # 30.01 is more than the rest: the payment is no candidate there.
    other = reverse("payments:payment", args=[company.eik, too_big.pk])
    assert 'id="refund-candidates"' not in client.get(other).content.decode()

    linked = client.post(
        reverse("payments:link_refund", args=[company.eik, came_back.pk]),
        {"payment": paid.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="bg",
    ).content.decode()
    assert "Това плащане вече връща остатъка от плащането от 05.03.2026 150,00\xa0EUR." in linked
    came_back.refresh_from_db()
    assert came_back.refund_of_id == paid.pk and 'id="unlink-refund"' in linked
    assert 'id="refund-candidates"' not in linked

    refused = client.post(
        reverse("payments:unlink_refund", args=[company.eik, came_back.pk]),
        {"reason": "  "},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="bg",
    ).content.decode()
    assert "Посочете защо плащането не е връщане." in refused
    came_back.refresh_from_db()
    assert came_back.refund_of_id == paid.pk
    undone = client.post(
        reverse("payments:unlink_refund", args=[company.eik, came_back.pk]),
        {"reason": "друго плащане"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="bg",
    ).content.decode()
    assert "Плащането вече не е връщане: отново е неразнесено." in undone
    came_back.refresh_from_db()
    paid.refresh_from_db()
    assert came_back.refund_of_id is None and came_back.unallocated == D("30.00")
    assert paid.unallocated == D("30.00")
    assert AuditEntry.objects.get(action="unlink_refund").reason == "друго плащане"


def test_the_page_refuses_a_payment_of_another_company(company, other_company, client_as):
    paid = overpaid_supplier(company)
    foreign = overpaid_supplier(other_company)
    came_back = payment(company, paid.party, "30.00", day=DAY)
    client = client_as(company, "owner")
    answer = client.post(
        reverse("payments:link_refund", args=[company.eik, came_back.pk]),
        {"payment": foreign.pk},
        follow=True,
    ).content.decode()
    assert "Изберете друго плащане на тази фирма." in answer
    came_back.refresh_from_db()
    assert came_back.refund_of_id is None


def test_the_api_links_and_unlinks_a_refund(company, api_as):
    paid = overpaid_supplier(company)
    came_back = payment(company, None, "30.00", day=DAY)
    api = api_as(company, "accountant")
    viewer = api_as(company, "viewer")
    assert (
        viewer.post(f"/payments/{came_back.pk}/refund-of", {"payment_id": paid.pk}).status_code
        == 403
    )
    missing = api.post(f"/payments/{came_back.pk}/refund-of", {"payment_id": 10**9})
    assert missing.status_code == 422 and "payment_id" in missing.json()["errors"]
    linked = api.post(f"/payments/{came_back.pk}/refund-of", {"payment_id": paid.pk})
    assert linked.status_code == 200, linked.content
    assert linked.json()["refund_of_id"] == paid.pk and linked.json()["unallocated"] == "0.00"
    assert (
        api.post(f"/payments/{came_back.pk}/refund-of", {"payment_id": paid.pk}).status_code == 409
    )
    no_reason = api.post(f"/payments/{came_back.pk}/refund-of/undo", {})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    undone = api.post(f"/payments/{came_back.pk}/refund-of/undo", {"reason": "wrong"})
    assert undone.status_code == 200 and undone.json()["refund_of_id"] is None
    assert api.post(f"/payments/{came_back.pk}/refund-of/undo", {"reason": "x"}).status_code == 409
