"""Property: any sequence of movements, transfers and reversals keeps the company's total in
each currency equal to the opening balances plus the external movements, and the month totals
equal to a plain SUM."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xfinances.core.exceptions import ActionError
from xfinances.treasury import actions, queries
from xfinances.treasury.models import MoneyAccount, Movement
from xfinances.treasury.tests.factories import SYSTEM, movement_input, transfer_input

START = dt.date(2026, 1, 1)
ACCOUNTS = [
    ("cash", "EUR", "100.00"),
    ("bank", "EUR", "0.00"),
    ("bank", "USD", "50.00"),
    ("cash", "EUR", "0.00"),
]
cents = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
days = st.integers(min_value=0, max_value=120).map(lambda d: START + dt.timedelta(days=d))
step = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 4), st.sampled_from(["in", "out"]), cents, days),
    st.tuples(
        st.just("transfer"),
        st.integers(0, 4),
        st.integers(0, 4),
        cents,
        days,
        st.integers(80, 130).map(lambda r: Decimal(r) / 100),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 50), days),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, max_size=25))
def test_company_total_is_opening_plus_external_movements(company, steps):
    # Each example runs in a savepoint that is rolled back, so examples do not see each other.
    with transaction.atomic():
        accounts = []
        ibans = iter(["BG80BNBG96611020345678", "BG18RZBB91550123456789"])
        for i, (kind, currency, opening) in enumerate(ACCOUNTS):
            extra = {"iban": next(ibans)} if kind == "bank" else {}
            accounts.append(
                actions.create_account(
                    SYSTEM,
                    company,
                    actions.AccountInput.read(
                        {
                            "kind": kind,
                            "name": f"A{i}",
                            "currency": currency,
                            "opening_balance": opening,
                            "opening_date": START,
                            **extra,
                        }
                    ),
                )
            )
        accounts.append(
            actions.create_account(
                SYSTEM,
                company,
                actions.AccountInput.read(
                    {"parent": accounts[0], "name": "sub", "opening_date": START}
                ),
            )
        )
        external = {"EUR": Decimal("100.00"), "USD": Decimal("50.00")}
        for item in steps:
            try:
                if item[0] == "move":
                    _, idx, direction, amount, day = item
                    account = accounts[idx]
                    actions.create_movement(
                        SYSTEM,
                        account,
                        movement_input(date=day, direction=direction, amount=amount),
                    )
                    external[account.currency] += amount if direction == "in" else -amount
                elif item[0] == "transfer":
                    _, a, b, amount, day, rate = item
                    source, target = accounts[a], accounts[b]
                    actions.create_transfer(
                        SYSTEM,
                        company,
                        transfer_input(
                            from_account=source,
                            to_account=target,
                            date=day,
                            amount=amount,
                            rate=None if source.currency == target.currency else rate,
                        ),
                    )
                    if source.currency != target.currency:
                        # Money leaving one currency and arriving in another is external to each.
                        external[source.currency] -= amount
                        external[target.currency] += (amount * rate).quantize(
                            Decimal("0.01"), rounding="ROUND_HALF_UP"
                        )
                else:
                    _, pick, day = item
                    candidates = list(
                        Movement.objects.filter(
                            company=company, status="posted", reversal_of__isnull=True
                        ).order_by("id")
                    )
                    if not candidates:
                        continue
                    movement = candidates[pick % len(candidates)]
                    legs = (
                        list(Movement.objects.filter(transfer=movement.transfer))
                        if movement.transfer_id
                        else [movement]
                    )
                    actions.reverse_movement(
                        SYSTEM, movement, date=max(day, movement.date), reason="test"
                    )
                    for leg in legs:
                        if (
                            not leg.transfer_id
                            or leg.transfer.currency_from != leg.transfer.currency_to
                        ):
                            external[leg.currency] -= leg.amount
            except ActionError:
                pass
        end = START + dt.timedelta(days=200)
        own = queries.own_balances(company, end)
        assert own == dict(queries.own_balances_by_sum(company, end).items())
        totals: dict[str, Decimal] = {}
        currency_of = dict(
            MoneyAccount.objects.filter(company=company).values_list("id", "currency")
        )
        for account_id, balance in own.items():
            totals[currency_of[account_id]] = (
                totals.get(currency_of[account_id], Decimal(0)) + balance
            )
        for currency, expected in external.items():
            assert totals.get(currency, Decimal(0)) == expected, currency
        tree = queries.account_tree(
            company, queries.AccountAccessMap(None, None), end, include_closed=True
        )
        tops = sum(
            (r.balance for r in tree.rows if r.depth == 0 and r.account.currency == "EUR"),
            Decimal(0),
        )
        assert tops == external["EUR"]
        transaction.set_rollback(True)
