"""Demo data of cash and bank: two EUR bank accounts, a USD account, a main cash register with
two sub-registers, three months of realistic movements, a transfer and a USD→EUR transfer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xfinances.core.actions import load_reference_rates
from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.models import Company, Membership
from xfinances.core.roles import Role
from xfinances.treasury import actions
from xfinances.treasury.models import CashflowCategory, MoneyAccount


def _transfer(**raw: Any) -> actions.TransferInput:
    return actions.TransferInput.read(raw)


def _month_days(today: dt.date) -> list[dt.date]:
    """The first day of the two previous months and of this one (oldest first)."""
    first = today.replace(day=1)
    months = []
    for back in (2, 1, 0):
        year, month = first.year, first.month - back
        while month <= 0:
            month += 12
            year -= 1
        months.append(dt.date(year, month, 1))
    return months


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    if MoneyAccount.objects.filter(company=company).exists():
        return
    progress("Adding bank accounts, cash registers and movements …")
    today = dt.date.today()
    months = _month_days(today)
    opened = months[0] - dt.timedelta(days=1)
    unicredit = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {
                "kind": "bank",
                "name": "УниКредит Булбанк – разплащателна",
                "currency": "EUR",
                "iban": "BG69UNCR70000015123456",
                "opening_balance": "48250.00",
                "opening_date": opened,
            }
        ),
    )
    dsk = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {
                "kind": "bank",
                "name": "Банка ДСК – заплати",
                "currency": "EUR",
                "iban": "BG98STSA93000000123456",
                "opening_balance": "12400.00",
                "opening_date": opened,
            }
        ),
    )
    project = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {"parent": unicredit, "name": "Проект „Витоша“", "opening_date": opened}
        ),
    )
    usd = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {
                "kind": "bank",
                "name": "ОББ – валутна USD",
                "currency": "USD",
                "iban": "BG95UBBS80020012345678",
                "opening_balance": "15000.00",
                "opening_date": opened,
            }
        ),
    )
    cash = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {
                "kind": "cash",
                "name": "Централна каса",
                "currency": "EUR",
                "opening_balance": "1850.00",
                "opening_date": opened,
            }
        ),
    )
    office = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {"parent": cash, "name": "Каса офис София", "opening_date": opened}
        ),
    )
    plovdiv = actions.create_account(
        actor,
        company,
        actions.AccountInput.read(
            {"parent": cash, "name": "Каса клон Пловдив", "opening_date": opened}
        ),
    )
    category = {c.code: c for c in CashflowCategory.objects.filter(company=company)}
    # Reference USD rates (units per 1 EUR) for every day used, so EUR totals are known.
    rates = []
    day = opened
    while day <= today:
        rates.append((day, "USD", Decimal("1.0850") + Decimal((day.toordinal() % 7) - 3) / 1000))
        day += dt.timedelta(days=1)
    load_reference_rates(actor, rates, source="demo")

    def move(
        account: MoneyAccount,
        day: dt.date,
        direction: str,
        amount: str,
        who: str,
        code: str,
        text: str,
    ) -> None:
        data = actions.MovementInput.read(
            {
                "date": min(day, today),
                "direction": direction,
                "amount": amount,
                "counterparty_name": who,
                "category": category[code],
                "description": text,
            }
        )
        actions.create_movement(actor, account, data)

    for i, first in enumerate(months):
        label = first.strftime("%m.%Y")
        # Each month the main account funds the payroll account and the project sub-account,
        # as a finance team does, so no account runs into the red.
        actions.create_transfer(
            actor,
            company,
            _transfer(
                from_account=unicredit,
                to_account=dsk,
                date=min(first + dt.timedelta(days=9), today),
                amount="9600.00",
                description=f"захранване за заплати {label}",
            ),
        )
        actions.create_transfer(
            actor,
            company,
            _transfer(
                from_account=unicredit,
                to_account=project,
                date=min(first + dt.timedelta(days=9), today),
                amount="1500.00",
                description=f"бюджет проект {label}",
            ),
        )
        move(
            unicredit,
            first + dt.timedelta(days=2),
            "in",
            f"{8400 + i * 650}.00",
            "Техно Маркет ЕООД",
            "sales",
            f"ф-ра 00000012{i}4",
        )
        move(
            unicredit,
            first + dt.timedelta(days=6),
            "in",
            f"{3120 + i * 210}.40",
            "Балкан Логистик АД",
            "sales",
            f"ф-ра 00000012{i}7",
        )
        move(
            unicredit,
            first + dt.timedelta(days=9),
            "out",
            f"{2640 + i * 95}.80",
            "Офис Доставки ООД",
            "suppliers",
            "консумативи",
        )
        move(
            unicredit,
            first + dt.timedelta(days=4),
            "out",
            "1800.00",
            "Имоти Център ООД",
            "rent",
            f"наем {label}",
        )
        move(
            project,
            first + dt.timedelta(days=12),
            "out",
            f"{950 + i * 40}.00",
            "Строй Материали ЕООД",
            "suppliers",
            "материали по проекта",
        )
        move(
            dsk,
            first + dt.timedelta(days=14),
            "out",
            "7350.00",
            "Служители",
            "salaries",
            f"заплати {label}",
        )
        move(
            dsk,
            first + dt.timedelta(days=13),
            "out",
            "2210.36",
            "НАП",
            "taxes",
            f"осигуровки {label}",
        )
        move(
            unicredit,
            first + dt.timedelta(days=13),
            "out",
            f"{1480 + i * 60}.00",
            "НАП",
            "taxes",
            f"ДДС {label}",
        )
        move(
            office,
            first + dt.timedelta(days=3),
            "in",
            f"{420 + i * 35}.00",
            "Клиент на каса",
            "sales",
            "продажба в брой",
        )
        move(
            office,
            first + dt.timedelta(days=8),
            "out",
            "64.90",
            "Пощенска станция",
            "other",
            "куриер",
        )
        move(
            plovdiv,
            first + dt.timedelta(days=5),
            "in",
            f"{310 + i * 20}.50",
            "Клиент Пловдив",
            "sales",
            "продажба в брой",
        )
        move(
            usd,
            first + dt.timedelta(days=10),
            "in",
            f"{2500 + i * 300}.00",
            "Global Parts Inc.",
            "sales",
            "invoice export",
        )
    actions.create_transfer(
        actor,
        company,
        _transfer(
            from_account=unicredit,
            to_account=dsk,
            date=min(months[1] + dt.timedelta(days=11), today),
            amount="6000.00",
            description="захранване за заплати",
        ),
    )
    actions.create_transfer(
        actor,
        company,
        _transfer(
            from_account=usd,
            to_account=unicredit,
            date=min(months[2] + dt.timedelta(days=15), today),
            amount="5000.00",
            rate="0.9150",
            description="обмяна USD → EUR",
        ),
    )
    actions.create_transfer(
        actor,
        company,
        _transfer(
            from_account=unicredit,
            to_account=cash,
            date=min(months[2] + dt.timedelta(days=1), today),
            amount="500.00",
            description="захранване на каса",
        ),
    )
    sales = (
        Membership.objects.filter(company=company, role=Role.SALES).select_related("user").first()
    )
    if sales is not None:
        actions.set_account_access(actor, office, sales.user, can_view=True, can_move=True)


def step() -> DemoStep:
    return DemoStep(order=40, name="treasury", load=load)
