"""What the treasury's actions share: permission and period checks, amounts and dates,
month totals, the negative-cash rule, categories and inserting one movement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput, NotAllowed
from xfinances.core.models import Company
from xfinances.core.money import ZERO, round_cent
from xfinances.core.permissions import role_of
from xfinances.treasury import balances, queries
from xfinances.treasury.models import (
    AccountMonthTotal,
    CashflowCategory,
    CashOrderKind,
    MoneyAccount,
    Movement,
)

# ---------------------------------------------------------------- checks


def _ensure_can_move(actor: Actor, company: Company, account: MoneyAccount) -> None:
    """The actor may enter movements in `account`: staff in every account, others with a grant."""
    if actor.user is None:
        return
    access = queries.access_map(company, actor.user.pk, role_of(actor.user.pk, company))
    if not access.can_move(account.pk):
        raise NotAllowed(_("You may not enter movements in this account."))


def _refuse_closed_period(
    company: Company, account: MoneyAccount, day: dt.date, field: str = "date"
) -> None:
    closed = queries.lock_date(company, account)
    if closed is not None and day <= closed:
        raise InvalidInput(
            {
                field: [
                    _("The period up to %(date)s is closed: use a date after it.")
                    % {"date": formatting.date(closed)}
                ]
            }
        )


def _bump_month(company: Company, account_id: int, day: dt.date, delta: Decimal) -> None:
    """Keep the month total of the account in step (called under the account's lock)."""
    if not delta:
        return
    month = balances.month_start(day)
    updated = AccountMonthTotal.objects.filter(
        company=company, account_id=account_id, month=month
    ).update(total=F("total") + delta)
    if not updated:
        AccountMonthTotal.objects.create(
            company=company, account_id=account_id, month=month, total=delta
        )


def _refuse_negative_cash(account: MoneyAccount, from_day: dt.date, field: str = "amount") -> None:
    """A cash register (unless `allow_negative`) must hold zero or more at the end of every day
    from `from_day` on. Called after the write, under the register's lock: raising rolls the
    whole action back (including the cash order number)."""
    if not account.is_cash_register or account.allow_negative:
        return
    company = account.company
    balance = queries.own_balances(company, from_day - dt.timedelta(days=1), {account.pk}).get(
        account.pk, ZERO
    )
    if account.opening_date >= from_day:
        balance = ZERO
    days = (
        Movement.objects.filter(company=company, account=account, date__gte=from_day)
        .order_by()
        .values("date")
        .annotate(total=Sum("amount"))
        .order_by("date")
        .values_list("date", "total")
    )
    opening_pending = account.opening_date >= from_day
    lowest: tuple[Decimal, dt.date] | None = None
    for day, total in days:
        if opening_pending and day >= account.opening_date:
            balance += account.opening_balance
            opening_pending = False
        balance += round_cent(total)
        if balance < 0 and (lowest is None or balance < lowest[0]):
            lowest = (balance, day)
    if lowest is not None:
        raise InvalidInput(
            {
                field: [
                    _(
                        "The cash register %(name)s would hold %(amount)s %(currency)s on "
                        "%(date)s: a cash register cannot go below zero."
                    )
                    % {
                        "name": account.name,
                        "amount": formatting.amount(lowest[0]),
                        "currency": account.currency,
                        "date": formatting.date(lowest[1]),
                    }
                ]
            }
        )


# ---------------------------------------------------------------- movements


def _signed(direction: str, amount: Decimal, errors: ErrorCollector) -> Decimal:
    if direction not in ("in", "out"):
        errors.add("direction", _("Choose money in or money out."))
        return ZERO
    if amount == 0:
        errors.add("amount", _("The amount cannot be zero."))
    elif amount < 0:
        errors.add("amount", _("Enter a positive amount and choose the direction."))
    return amount if direction == "in" else -amount


def _resolve_category(
    company: Company, category: object, errors: ErrorCollector, keep_id: int | None = None
) -> CashflowCategory | None:
    """The company's category; an inactive one only when it is the one already kept (`keep_id`)."""
    if category in (None, ""):
        return None
    if isinstance(category, CashflowCategory):
        if category.company_id != company.pk:
            errors.add("category", _("No such category."))
            return None
        found: CashflowCategory | None = category
    else:
        found = (
            CashflowCategory.objects.filter(company=company, pk=int(str(category))).first()
            if str(category).isdigit()
            else None
        )
    if found is None:
        errors.add("category", _("No such category."))
    elif not found.is_active and found.pk != keep_id:
        errors.add("category", _("This category is no longer in use."))
    return found


def _check_account_open(
    account: MoneyAccount, day: dt.date | None, errors: ErrorCollector, field: str = "account"
) -> None:
    if not account.is_active:
        errors.add(field, _("The account %(name)s is closed.") % {"name": account.name})
    elif day is not None and day < account.opening_date:
        errors.add(
            "date",
            _("The account opens on %(date)s.") % {"date": formatting.date(account.opening_date)},
        )


def _assign_cash_order(account: MoneyAccount, movement: Movement) -> None:
    """Next gapless number of the register's receipt or payment orders (the register is locked)."""
    if not account.is_cash_register:
        return
    if movement.amount > 0:
        account.last_receipt_order += 1
        movement.cash_order_kind, movement.cash_order_number = (
            CashOrderKind.RECEIPT,
            account.last_receipt_order,
        )
        account.save(update_fields=["last_receipt_order"])
    else:
        account.last_payment_order += 1
        movement.cash_order_kind, movement.cash_order_number = (
            CashOrderKind.PAYMENT,
            account.last_payment_order,
        )
        account.save(update_fields=["last_payment_order"])


def _insert_movement(actor: Actor, account: MoneyAccount, action: str, **fields: Any) -> Movement:
    """Create a movement on a locked account: cash order number, month total, audit row."""
    movement = Movement(
        company=account.company,
        account=account,
        currency=account.currency,
        created_by=actor.user,
        **fields,
    )
    _assign_cash_order(account, movement)
    try:
        with transaction.atomic():
            movement.save()
    except IntegrityError:
        raise Conflict(
            _("A movement with this bank reference already exists on this account."),
            field="bank_reference",
        )
    _bump_month(account.company, account.pk, movement.date, movement.amount)
    if movement.amount < 0:
        _refuse_negative_cash(account, movement.date)
    audit.record_create(actor, account.company, action, movement)
    return movement
