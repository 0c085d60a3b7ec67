"""Movements of a bank statement or connection, many at once (called by banking)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, edit_guards
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.money import ZERO
from xfinances.treasury import balances, locks
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.actions.common import (
    _bump_month,
    _check_account_open,
    _ensure_can_move,
    _refuse_closed_period,
)
from xfinances.treasury.actions.movements import reverse_movement, tell_typed_gone
from xfinances.treasury.events import money_locked_reason
from xfinances.treasury.models import (
    MoneyAccount,
    Movement,
    MovementSource,
    MovementStatus,
)


@transaction.atomic
def record_bank_movements(
    actor: Actor, account: MoneyAccount, rows: list[dict[str, Any]], *, source: str
) -> list[int]:
    """Many movements from a bank statement or connection at once: one multi-row insert per
    batch (core/bulk_insert.py), one month-total update per month, one audit event. Each row:
    date, amount (signed, not zero), counterparty_name, counterparty_iban, description,
    bank_reference, end_to_end_id, remittance_info, raw_data. Returns the new movements' ids
    in the order of `rows`. The caller (banking) has removed duplicates already."""
    company = account.company
    _ensure_can_move(actor, company, account)
    if source not in (MovementSource.STATEMENT, MovementSource.PSD2):
        raise InvalidInput({"source": [_("Unknown source.")]})
    if not rows:
        return []
    account = locks.lock_account(company, account.pk)
    errors = InvalidInput.collect()
    first = min(row["date"] for row in rows)
    _check_account_open(account, first, errors)
    if any(not row["amount"] for row in rows):
        errors.add("amount", _("The amount cannot be zero."))
    errors.raise_if_any()
    _refuse_closed_period(company, account, first)
    user_id = actor.user.pk if actor.user else None
    prepared = [
        {
            "company_id": company.pk,
            "account_id": account.pk,
            "currency": account.currency,
            "created_by_id": user_id,
            "date": row["date"],
            "amount": row["amount"],
            "counterparty_name": (row.get("counterparty_name") or "")[:200],
            "counterparty_iban": (row.get("counterparty_iban") or "")[:34],
            "description": (row.get("description") or "")[:500],
            "bank_reference": (row.get("bank_reference") or "")[:100],
            "end_to_end_id": (row.get("end_to_end_id") or "")[:100],
            "remittance_info": (row.get("remittance_info") or "")[:500],
            "raw_data": row.get("raw_data") or {},
            "source": source,
            "status": MovementStatus.POSTED,
            "cash_order_kind": "",
        }
        for row in rows
    ]
    try:
        with transaction.atomic():
            ids = insert_rows(Movement, prepared)
    except IntegrityError:
        raise Conflict(
            _("A movement with this bank reference already exists on this account."),
            field="bank_reference",
        )
    by_month: dict[dt.date, Decimal] = {}
    for row in rows:
        month = balances.month_start(row["date"])
        by_month[month] = by_month.get(month, ZERO) + row["amount"]
    for month, total in by_month.items():
        _bump_month(company, account.pk, month, total)
    audit.record_event(
        actor,
        company,
        "record_bank_movements",
        account,
        {
            "movements": len(ids),
            "from": first,
            "to": max(row["date"] for row in rows),
            "total": sum(by_month.values(), ZERO),
        },
    )
    return ids


@transaction.atomic
def withdraw_bank_movement(
    actor: Actor, movement: Movement, *, reason: str, on: dt.date
) -> Movement | None:
    """Take out a movement a statement or connection made for a bank line that turned out to
    be a movement typed in by hand already (banking links the line to that one first).

    While nothing has closed it — its period open, no higher app (accounting) holding it — it
    is deleted, as if the statement had paired the two at once. Otherwise it stays and is
    reversed on `on`, so what went out keeps its record. Returns the reversal, or None when it
    was deleted. The caller has made sure nothing else (a payment, a bank line) points at it."""
    movement = _locked_single(
        actor,
        movement,
        (MovementSource.STATEMENT, MovementSource.PSD2),
        _("Only a bank line's own movement can be taken out this way."),
    )
    return _delete_or_reverse(actor, movement, "withdraw_bank_movement", reason=reason, on=on)


@transaction.atomic
def take_back_movement(
    actor: Actor, movement: Movement, *, reason: str, on: dt.date
) -> Movement | None:
    """Take out the movement a payment typed in by hand brought, as the payment is taken back
    (payments calls this once the payment is gone). Deleted while nothing has closed it — its
    period open, no higher app holding it or having sent it out, not a numbered cash order —,
    else reversed on `on`. Refused, changing nothing, for a movement a bank line or another
    payment holds (`money_locked_reason`), a transfer's leg, a reversal or a reversed one."""
    movement = _locked_single(
        actor,
        movement,
        (MovementSource.MANUAL, MovementSource.CASH),
        _("Only a movement typed in by hand can be taken back this way."),
    )
    held = money_locked_reason.collect(movement=movement)
    if held:
        raise Conflict(" ".join(held))
    return _delete_or_reverse(actor, movement, "take_back_movement", reason=reason, on=on)


def _locked_single(
    actor: Actor, movement: Movement, sources: tuple[str, ...], refusal: str
) -> Movement:
    """The movement, locked after its account, if it is a posted one of `sources` standing
    alone (no transfer, no reversal); else Conflict with `refusal`."""
    company = movement.company
    _ensure_can_move(actor, company, movement.account)
    locks.lock_account(company, movement.account_id)
    movement = locks.lock_movement(company, movement.pk)
    if (
        movement.source not in sources
        or movement.status != MovementStatus.POSTED
        or movement.transfer_id
        or movement.reversal_of_id
    ):
        raise Conflict(refusal)
    return movement


def _delete_or_reverse(
    actor: Actor, movement: Movement, action: str, *, reason: str, on: dt.date
) -> Movement | None:
    """Delete the (locked) movement as if it had never been, or — once its period is closed,
    a higher app holds it or sent it out, or it is a numbered cash order — reverse it on `on`.
    Returns the reversal, or None when it was deleted."""
    company = movement.company
    closed = treasury_queries.lock_date(company, movement.account)
    if (
        (closed is not None and movement.date <= closed)
        or movement.cash_order_number is not None
        or edit_guards.deletion_reasons(movement)
    ):
        [reversal] = reverse_movement(actor, movement, date=on, reason=reason)
        return reversal
    _bump_month(company, movement.account_id, movement.date, -movement.amount)
    audit.record_delete(actor, company, action, movement, reason)
    movement.delete()
    tell_typed_gone(actor, movement.account, movement, movement.amount, movement.date)
    return None
