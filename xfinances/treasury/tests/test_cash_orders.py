"""Cash registers number receipt and payment orders gaplessly, each register on its own."""

from __future__ import annotations

import datetime as dt

import pytest

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.treasury import actions
from xfinances.treasury.models import CashOrderKind, Movement
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    money_out,
    sub_account,
)

D = dt.date(2026, 2, 1)


def test_numbers_are_gapless_per_register_and_per_kind(company):
    main = cash_register(company, "Каса", opening_balance="1000.00")
    branch = sub_account(main, "Пловдив")
    bank = bank_account(company)
    a = money_in(main, "10.00", D)
    b = money_out(main, "5.00", D)
    c = money_in(main, "7.00", D)
    d = money_in(branch, "3.00", D)
    e = money_in(bank, "1.00", D)
    # A refused movement does not use up a number.
    with pytest.raises(InvalidInput):
        money_in(main, "0", D)
    f = money_in(main, "1.00", D)
    assert (a.cash_order_kind, a.cash_order_number) == (CashOrderKind.RECEIPT, 1)
    assert (b.cash_order_kind, b.cash_order_number) == (CashOrderKind.PAYMENT, 1)
    assert c.cash_order_number == 2 and f.cash_order_number == 3
    assert d.cash_order_number == 1  # the branch register has its own sequence
    assert e.cash_order_number is None  # bank movements carry no cash order
    assert a.cash_order_label == "ПКО 000001" and b.cash_order_label == "РКО 000001"
    numbers = list(
        Movement.objects.filter(account=main, cash_order_kind=CashOrderKind.RECEIPT)
        .order_by("cash_order_number")
        .values_list("cash_order_number", flat=True)
    )
    assert numbers == [1, 2, 3]


def test_reversal_of_a_cash_receipt_is_a_payment_order(company):
    cash = cash_register(company)
    receipt = money_in(cash, "10.00", D)
    (reversal,) = actions.reverse_movement(SYSTEM, receipt, date=D, reason="грешна сума")
    assert (reversal.cash_order_kind, reversal.cash_order_number) == (CashOrderKind.PAYMENT, 1)


def test_cash_orders_are_not_deleted(company):
    cash = cash_register(company)
    receipt = money_in(cash, "10.00", D)
    with pytest.raises(Conflict):
        actions.delete_movement(SYSTEM, receipt)
