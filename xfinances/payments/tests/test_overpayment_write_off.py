"""Writing off an overpayment: a payment's unallocated rest (the party's credit) within the
tolerance, with a reason, audited, undoable, and the allocated invariant kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.payments import actions, aging, queries
from xfinances.payments.models import Payment, WriteOff
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal
LATER = DAY + dt.timedelta(days=5)


def overpaid(company, paid="100.03", price="100.00"):
    """An invoice of `price` settled by a payment of `paid`: the rest is the client's credit."""
    document = invoice(company, price=price)
    money = payment(company, document.party, paid, day=DAY)
    actions.allocate(SYSTEM, money, [(document, None)])
    money.refresh_from_db()
    return document, money


def reason(text="Надплатени центове"):
    return actions.WriteOffInput(reason=text)


def test_the_rest_is_written_off_and_the_credit_drops(company):
    document, money = overpaid(company)
    assert money.unallocated == D("0.03")
    assert aging.party_credit(company, document.party) == {"EUR": D("0.03")}

    item = actions.write_off_payment(
        SYSTEM, money, actions.WriteOffInput(reason="Надплатени центове", date=DAY)
    )

    money.refresh_from_db()
    assert (item.payment_id, item.document_id, item.supplier_invoice_id) == (money.pk, None, None)
    assert item.amount == D("0.03") and item.currency == "EUR"
    assert money.allocated == D("100.03") and money.unallocated == D("0.00")
    assert aging.party_credit(company, document.party) == {}
    assert aging.party_credit_rows(company, LATER) == []
    assert queries.payment_allocated_parts(money) == money.allocated
    assert AuditEntry.objects.filter(company=company, action="write_off_payment").count() == 1


def test_part_of_the_rest_and_more_than_is_left(company):
    _document, money = overpaid(company, paid="100.05")
    actions.write_off_payment(SYSTEM, money, actions.WriteOffInput(reason="x", amount=D("0.02")))
    money.refresh_from_db()
    assert money.unallocated == D("0.03")
    with pytest.raises(InvalidInput) as caught:
        actions.write_off_payment(
            SYSTEM, money, actions.WriteOffInput(reason="x", amount=D("0.04"))
        )
    assert caught.value.errors["amount"] == ["Only 0.03 EUR is left."]


def test_over_the_tolerance_is_refused_and_nothing_changes(company):
    document, money = overpaid(company, paid="102.00")
    with pytest.raises(InvalidInput) as caught:
        actions.write_off_payment(SYSTEM, money, reason())
    assert "1.00 EUR" in caught.value.errors["amount"][0]
    money.refresh_from_db()
    assert money.allocated == D("100.00") and not WriteOff.objects.filter(company=company).exists()
    assert aging.party_credit(company, document.party) == {"EUR": D("2.00")}


def test_the_tolerance_is_judged_in_eur_at_the_payment_rate(company):
    # 0.90 USD at 1.10 USD per EUR is 0.82 EUR: within the 1.00 EUR tolerance; 1.20 USD is
    # 1.09 EUR: over it, though fewer than 1.00 EUR would be as many dollars.
    within = payment(company, None, "0.90", currency="USD", eur_rate="1.10")
    assert actions.write_off_payment(SYSTEM, within, reason()).amount == D("0.90")
    over = payment(company, None, "1.20", currency="USD", eur_rate="1.10")
    with pytest.raises(InvalidInput):
        actions.write_off_payment(SYSTEM, over, reason())
    over.refresh_from_db()
    assert over.unallocated == D("1.20")


def test_no_reason_is_refused_in_both_languages(company):
    overpaid(company)
    with pytest.raises(InvalidInput) as caught:
        actions.WriteOffInput.read({"reason": "  "})
    assert caught.value.errors["reason"] == ["Say why the difference is written off."]
    with translation.override("bg"), pytest.raises(InvalidInput) as caught_bg:
        actions.WriteOffInput.read({"reason": ""})
    assert caught_bg.value.errors["reason"] == ["Посочете причината за отписването на разликата."]
    _other, big = overpaid(company, paid="103.00")
    with translation.override("bg"), pytest.raises(InvalidInput) as over:
        actions.write_off_payment(SYSTEM, big, reason())
    # The tolerance as Bulgarian writes it (not "1.00").
    expected = "Отписването е ограничено до 1,00 EUR (настройки на фирмата)."
    assert over.value.errors["amount"] == [expected]
    assert not WriteOff.objects.filter(company=company).exists()


def test_a_bad_amount_or_date_is_refused_by_the_reader(company):
    with pytest.raises(InvalidInput) as caught:
        actions.WriteOffInput.read({"reason": "x", "amount": "-1", "date": "31.02.2026"})
    assert set(caught.value.errors) == {"amount", "date"}


def test_nothing_left_and_a_date_before_the_payment_are_refused(company):
    _document, money = overpaid(company, paid="100.00")
    with pytest.raises(InvalidInput) as caught:
        actions.write_off_payment(SYSTEM, money, reason())
    assert caught.value.errors["payment"] == ["Nothing of this payment is left to write off."]
    _document, rest = overpaid(company)
    with pytest.raises(InvalidInput) as early:
        actions.write_off_payment(
            SYSTEM, rest, actions.WriteOffInput(reason="x", date=DAY - dt.timedelta(days=1))
        )
    assert "date" in early.value.errors


def test_undo_restores_the_credit_and_a_second_undo_is_refused(company):
    document, money = overpaid(company)
    item = actions.write_off_payment(SYSTEM, money, reason())

    with pytest.raises(InvalidInput):
        actions.undo_write_off(SYSTEM, item, reason=" ")
    undone = actions.undo_write_off(SYSTEM, item, reason="по грешка")

    money.refresh_from_db()
    assert undone.undone_at is not None and undone.undo_reason == "по грешка"
    assert money.unallocated == D("0.03")
    assert aging.party_credit(company, document.party) == {"EUR": D("0.03")}
    assert queries.payment_allocated_parts(money) == money.allocated
    with pytest.raises(Conflict, match="already undone"):
        actions.undo_write_off(SYSTEM, item, reason="again")
    money.refresh_from_db()
    assert money.unallocated == D("0.03")


def test_a_read_only_role_may_not(company, make_member):
    _document, money = overpaid(company)
    viewer = Actor(make_member(company, "viewer"))
    with pytest.raises(NotAllowed):
        actions.write_off_payment(viewer, money, reason())
    item = actions.write_off_payment(SYSTEM, money, reason())
    with pytest.raises(NotAllowed):
        actions.undo_write_off(viewer, item, reason="x")
    assert WriteOff.objects.get(pk=item.pk).undone_at is None


def test_the_invariant_is_checked_and_kept_by_the_database(company):
    _document, money = overpaid(company)
    # A stored allocated that no longer matches its rows is refused, changing nothing.
    Payment.objects.filter(pk=money.pk).update(allocated=D("100.02"))
    money.refresh_from_db()
    with pytest.raises(Conflict, match="does not match"):
        actions.write_off_payment(SYSTEM, money, reason())
    assert not WriteOff.objects.filter(company=company).exists()
    # A write-off row must name exactly one target.
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.create(
            company=company, payment=money, document=_document, date=DAY, amount=1, reason="x"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOff.objects.create(company=company, date=DAY, amount=1, reason="x")


def test_the_client_statement_shows_the_write_off(company):
    document, money = overpaid(company)
    actions.write_off_payment(SYSTEM, money, actions.WriteOffInput(reason="Центове", date=LATER))
    found = aging.statement(company, document.party, "EUR", DAY, LATER)
    assert found.closing == D("0.00")
    assert [e.debit for e in found.entries if e.text == "Overpayment written off"] == [D("0.03")]
    # The day before the write-off the client still had the credit.
    assert aging.party_credit_rows(company, LATER - dt.timedelta(days=1)) == [
        (document.party_id, "EUR", D("0.03"))
    ]


def test_an_outgoing_payment_over_a_supplier_invoice(company):
    bill = make_invoice(company)  # 120.00 EUR
    money = payment(company, bill.supplier, "120.02", direction="out", day=LATER)
    actions.allocate(SYSTEM, money, [(bill, None)])
    money.refresh_from_db()
    item = actions.write_off_payment(SYSTEM, money, reason("Банката удържа повече"))
    money.refresh_from_db()
    assert item.amount == D("0.02") and money.unallocated == 0


def test_the_payment_page_offers_it_within_the_tolerance(company, client_as):
    _document, money = overpaid(company)
    _other, big = overpaid(company, paid="105.00")
    owner = client_as(company, "owner")
    page = owner.get(reverse("payments:payment", args=[company.eik, money.pk]))
    assert b'id="write-off-payment"' in page.content
    too_much = owner.get(reverse("payments:payment", args=[company.eik, big.pk]))
    assert b'id="write-off-payment"' not in too_much.content

    owner.post(
        reverse("payments:payment_write_off", args=[company.eik, money.pk]),
        {"reason": "центове"},
    )
    money.refresh_from_db()
    assert money.unallocated == 0
    page = owner.get(reverse("payments:payment", args=[company.eik, money.pk]))
    assert b'id="write-offs"' in page.content and b'id="write-off-payment"' not in page.content

    item = WriteOff.objects.get(payment=money)
    owner.post(reverse("payments:write_off_undo", args=[company.eik, item.pk]), {"reason": "x"})
    money.refresh_from_db()
    assert money.unallocated == D("0.03")


def test_the_page_hides_it_from_a_viewer_and_refuses_the_post(company, client_as):
    _document, money = overpaid(company)
    viewer = client_as(company, "viewer")
    page = viewer.get(reverse("payments:payment", args=[company.eik, money.pk]))
    assert page.status_code == 200 and b'id="write-off-payment"' not in page.content
    answer = viewer.post(
        reverse("payments:payment_write_off", args=[company.eik, money.pk]), {"reason": "x"}
    )
    assert answer.status_code == 403
    money.refresh_from_db()
    assert money.unallocated == D("0.03")


def test_the_page_in_bulgarian(company, client_as):
    _document, money = overpaid(company)
    owner = client_as(company, "owner")
    page = owner.get(
        reverse("payments:payment", args=[company.eik, money.pk]), HTTP_ACCEPT_LANGUAGE="bg"
    )
    with translation.override("bg"):
        label = str(translation.gettext("Write off the unallocated rest"))
    assert label != "Write off the unallocated rest"
    assert label.encode() in page.content


def test_the_api(company, api_as):
    _document, money = overpaid(company)
    api = api_as(company)
    answer = api.post(f"/payments/{money.pk}/write-off", {"reason": "центове"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["unallocated"], body["written_off"]) == ("0.00", "0.03")
    [item] = body["write_offs"]
    refused = api.post(f"/payments/{money.pk}/write-off", {"reason": "again"})
    assert refused.status_code == 422
    assert api.post(f"/payments/{money.pk}/write-off", {"reason": ""}).status_code == 422
    undone = api.post(f"/payments/write-offs/{item['id']}/undo", {"reason": "грешка"})
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert api.get(f"/payments/{money.pk}").json()["unallocated"] == "0.03"
    viewer = api_as(company, "viewer")
    assert viewer.post(f"/payments/{money.pk}/write-off", {"reason": "x"}).status_code == 403
