"""Money a payment typed in by hand stands on changes only with the payment, and a payment
recorded by mistake can be taken back: what it settled is given back, it goes, and so does its
money (deleted, or reversed where it may not be deleted), unless the person says it came."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications import actions as delivery
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import OutboxMessage
from xfinances.payments import actions
from xfinances.payments.models import Allocation, Payment, WriteOff
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment
from xfinances.purchases.models import PaymentStatus
from xfinances.purchases.tests.factories import make_invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.models import Movement, MovementStatus
from xfinances.treasury.tests.factories import bank_account, cash_register

pytestmark = pytest.mark.django_db
D = Decimal


def _paid(company, account, price="100.00", amount=None):
    document = invoice(company, price=price)
    data = {"account": account, "date": DAY}
    if amount is not None:
        data["amount"] = amount
    paid = actions.mark_document_paid(SYSTEM, document, actions.MarkPaidInput.read(data))
    return document, paid, Movement.objects.get(pk=paid.movement_id)


def _register_with_500(company):
    register = cash_register(company)
    treasury_actions.create_movement(
        SYSTEM,
        register,
        treasury_actions.MovementInput.read(
            {"date": DAY - dt.timedelta(days=1), "direction": "in", "amount": "500"}
        ),
    )
    return register


def _balance(account) -> Decimal:
    return treasury_queries.own_balances(account.company, DAY + dt.timedelta(days=400))[account.pk]


def test_the_money_under_a_payment_is_neither_edited_deleted_nor_reversed_alone(company):
    account = bank_account(company)
    document, _payment, movement = _paid(company, account)
    with pytest.raises(InvalidInput, match="stands on this movement") as refused:
        treasury_actions.update_movement(
            SYSTEM, movement, treasury_actions.MovementEditInput.read_changes({"amount": "50"})
        )
    assert "amount" in refused.value.errors
    with pytest.raises(Conflict, match="take the payment back"):  # was a ProtectedError (500)
        treasury_actions.delete_movement(SYSTEM, movement)
    with pytest.raises(Conflict, match="take the payment back"):
        treasury_actions.reverse_movement(SYSTEM, movement, date=DAY, reason="typo")
    described = treasury_actions.update_movement(
        SYSTEM, movement, treasury_actions.MovementEditInput.changes(description="by card")
    )
    assert described.description == "by card"  # the rest of it may change
    movement.refresh_from_db()
    document.refresh_from_db()
    assert movement.amount == D("100.00") and movement.status == MovementStatus.POSTED
    assert document.payment_status == "paid" and _balance(account) == D("100.00")
    assert not Movement.objects.filter(reversal_of=movement).exists()


def test_taking_back_a_wrong_mark_as_paid_gives_everything_back(company):
    account = bank_account(company)
    document, paid, movement = _paid(company, account)
    taken = actions.take_back_payment(SYSTEM, paid, reason="wrong invoice")
    assert taken.money == actions.MoneyFate.DELETED and taken.undone_allocations == 1
    document.refresh_from_db()
    assert document.payment_status == "unpaid" and document.outstanding_amount == D("100.00")
    assert not Payment.objects.filter(pk=paid.pk).exists()
    assert not Allocation.objects.filter(company=company).exists()
    assert not Movement.objects.filter(pk=movement.pk).exists()
    assert _balance(account) == D("0.00")
    logged = AuditEntry.objects.get(company=company, action="take_back_payment")
    assert logged.reason == "wrong invoice" and logged.object_id == str(paid.pk)
    assert AuditEntry.objects.filter(company=company, action="undo_allocation").count() == 1
    assert AuditEntry.objects.filter(company=company, action="take_back_movement").exists()


def test_an_overpayment_written_off_is_undone_too_and_the_money_may_stay(company):
    account = bank_account(company)
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, "100.40", account=account, allocations=[(document, None)])
    actions.write_off_payment(SYSTEM, paid, actions.WriteOffInput.read({"reason": "cents"}))
    taken = actions.take_back_payment(SYSTEM, paid, reason="the client", keep_money=True)
    assert taken.money == actions.MoneyFate.KEPT and taken.undone_write_offs == 1
    assert not WriteOff.objects.filter(company=company).exists()
    document.refresh_from_db()
    assert document.outstanding_amount == D("100.00")
    movement = Movement.objects.get(account=account)
    assert movement.amount == D("100.40") and _balance(account) == D("100.40")
    # Its money is free now: it may be deleted as any movement typed in by hand.
    treasury_actions.delete_movement(SYSTEM, movement)
    assert _balance(account) == D("0.00")


def test_a_cash_order_or_a_closed_period_reverses_the_money(company):
    register = _register_with_500(company)
    _document, paid, movement = _paid(company, register)
    assert movement.cash_order_number is not None
    taken = actions.take_back_payment(SYSTEM, paid, reason="paid by bank, not cash")
    assert taken.money == actions.MoneyFate.REVERSED and taken.reversal is not None
    movement.refresh_from_db()
    assert movement.status == MovementStatus.REVERSED
    assert taken.reversal.amount == D("-100.00") and taken.reversal.reversal_of == movement

    account = bank_account(company)
    _document, paid, movement = _paid(company, account)
    treasury_actions.close_period(SYSTEM, company, closed_until=DAY)
    taken = actions.take_back_payment(SYSTEM, paid, reason="never came")
    assert taken.money == actions.MoneyFate.REVERSED
    assert taken.reversal is not None and taken.reversal.date > DAY
    assert _balance(account) == D("0.00")


def test_refusals_change_nothing(company, make_member):
    account = bank_account(company)
    document, paid, movement = _paid(company, account)
    with pytest.raises(InvalidInput) as refused:
        actions.take_back_payment(SYSTEM, paid, reason="  ")
    assert "reason" in refused.value.errors
    with pytest.raises(InvalidInput):
        actions.take_back_payment(SYSTEM, paid, reason="x" * 301)
    with pytest.raises(NotAllowed):
        actions.take_back_payment(Actor(make_member(company, "viewer")), paid, reason="why")
    client = bg_client(company, name="Друг")
    credit = payment(company, client, "30.00")
    refund = actions.refund_credit(
        SYSTEM, credit, actions.RefundInput.read({"amount": "30.00", "date": DAY})
    )
    with pytest.raises(Conflict, match="Refunds are linked"):
        actions.take_back_payment(SYSTEM, credit, reason="why")
    with pytest.raises(Conflict, match="linked as a refund"):
        actions.take_back_payment(SYSTEM, refund, reason="why")
    assert actions.take_back_refusal(credit) and actions.take_back_refusal(paid) is None
    document.refresh_from_db()
    assert document.payment_status == "paid"
    assert Payment.objects.filter(company=company).count() == 3
    assert Movement.objects.filter(pk=movement.pk, amount=D("100.00")).exists()


def test_a_payment_recorded_without_money_goes_alone(company):
    document = invoice(company, price="80.00")
    paid = payment(company, document.party, "80.00", allocations=[(document, None)])
    taken = actions.take_back_payment(SYSTEM, paid, reason="duplicate")
    assert taken.money == actions.MoneyFate.NONE
    document.refresh_from_db()
    assert document.outstanding_amount == D("80.00")


def test_receivers_hear_that_the_payment_was_taken_back(company):
    delivery.create_webhook_endpoint(
        SYSTEM,
        company,
        WebhookEndpointInput.read(
            {"url": "https://crm.example/hook", "events": ["payment.deleted"]}
        ),
    )
    _document, paid, _movement = _paid(company, bank_account(company))
    actions.take_back_payment(SYSTEM, paid, reason="wrong invoice")
    [message] = OutboxMessage.objects.filter(company=company, kind="webhook")
    assert message.event == "payment.deleted"
    assert message.payload["data"]["id"] == paid.pk
    assert message.payload["data"]["allocated"] == "0.00"


def test_the_payment_page_takes_it_back_in_bulgarian(company, client_as):
    document, paid, movement = _paid(company, bank_account(company))
    web = client_as(company, "accountant")
    url = f"/c/{company.eik}/payments/{paid.pk}/"
    response = web.get(url)
    page = response.content.decode()
    assert 'id="take-back"' in page and 'name="keep_money"' in page
    assert f"/c/{company.eik}/treasury/movements/{movement.pk}/" in page  # where its money is
    phrases, words = english_texts()
    assert not problems_on_page(url, response, phrases, words, whole_page=True)
    refused = web.post(f"{url}take-back/", {"reason": ""}, follow=True).content.decode()
    assert "Кажете защо" in refused and Payment.objects.filter(pk=paid.pk).exists()
    done = web.post(f"{url}take-back/", {"reason": "грешна фактура"}, follow=True)
    assert "Плащането е отменено" in done.content.decode()
    document.refresh_from_db()
    assert document.outstanding_amount == D("100.00")
    assert not Movement.objects.filter(pk=movement.pk).exists()
    viewer = client_as(company, "viewer")
    other = _paid(company, bank_account(company, name="Втора"))[1]
    viewer_page = viewer.get(f"/c/{company.eik}/payments/{other.pk}/").content.decode()
    assert 'id="take-back"' not in viewer_page
    forbidden = viewer.post(f"/c/{company.eik}/payments/{other.pk}/take-back/", {"reason": "x"})
    assert forbidden.status_code == 403


def test_the_api_takes_it_back_and_says_what_became_of_the_money(company, api_as):
    _document, paid, _movement = _paid(company, bank_account(company))
    api = api_as(company, "accountant")
    assert api.post(f"/payments/{paid.pk}/take-back", {}).status_code == 422
    answer = api.post(f"/payments/{paid.pk}/take-back", {"reason": "twice", "keep_money": True})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "id": paid.pk,
        "undone_allocations": 1,
        "undone_write_offs": 0,
        "money": "kept",
        "reversal_id": None,
    }
    assert api.post(f"/payments/{paid.pk}/take-back", {"reason": "again"}).status_code == 404


def test_the_movement_page_names_the_payment_instead_of_offering_a_reversal(company, client_as):
    account = bank_account(company)
    _document, paid, movement = _paid(company, account)
    web = client_as(company, "accountant")
    url = f"/c/{company.eik}/treasury/movements/{movement.pk}/"
    response = web.get(url)
    page = response.content.decode()
    assert 'id="held"' in page and "стои върху това движение" in page
    assert f"/c/{company.eik}/payments/{paid.pk}/" in page and "Плащане от 02.03.2026" in page
    assert f"/treasury/movements/{movement.pk}/reverse/" not in page
    phrases, words = english_texts()
    assert not problems_on_page(url, response, phrases, words, whole_page=True)
    actions.take_back_payment(SYSTEM, paid, reason="wrong", keep_money=True)
    page = web.get(url).content.decode()
    assert 'id="held"' not in page and f"/treasury/movements/{movement.pk}/reverse/" in page


def test_an_outgoing_payment_to_a_supplier_is_taken_back_too(company):
    purchase = make_invoice(company)
    account = bank_account(company)
    treasury_actions.create_movement(
        SYSTEM,
        account,
        treasury_actions.MovementInput.read({"date": DAY, "direction": "in", "amount": "500"}),
    )
    paid = payment(
        company,
        purchase.supplier,
        "120.00",
        day=DAY + dt.timedelta(days=3),
        direction="out",
        account=account,
        allocations=[(purchase, None)],
    )
    purchase.refresh_from_db()
    assert purchase.payment_status == PaymentStatus.PAID
    taken = actions.take_back_payment(SYSTEM, paid, reason="paid from the other account")
    assert taken.money == actions.MoneyFate.DELETED
    purchase.refresh_from_db()
    assert purchase.remaining == D("120.00") and purchase.payment_status == PaymentStatus.TO_PAY
    assert _balance(account) == D("500.00")


def test_money_a_payment_stands_on_is_not_paired_as_a_transfer(company):
    """A client's payment into the bank and money out of the cash register of the same sum are
    not one transfer between the company's accounts: pairing them is refused, changing nothing."""
    register = _register_with_500(company)
    out = treasury_actions.create_movement(
        SYSTEM,
        register,
        treasury_actions.MovementInput.read({"date": DAY, "direction": "out", "amount": "100"}),
    )
    _document, paid, movement = _paid(company, bank_account(company))
    with pytest.raises(InvalidInput, match="not a transfer") as refused:
        treasury_actions.pair_transfer(
            SYSTEM, company, treasury_actions.TransferPairInput(sent=out, received=movement)
        )
    assert set(refused.value.errors) == {"received"}
    movement.refresh_from_db()
    assert movement.transfer_id is None
    actions.take_back_payment(SYSTEM, paid, reason="wrong", keep_money=True)
    transfer = treasury_actions.pair_transfer(
        SYSTEM, company, treasury_actions.TransferPairInput(sent=out, received=movement)
    )
    assert transfer.amount_to == D("100.00")
