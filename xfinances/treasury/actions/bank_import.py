"""Movements of a bank statement or connection, many at once (called by banking)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.money import ZERO
from xfinances.treasury import balances, locks
from xfinances.treasury.actions.common import (
    _bump_month,
    _check_account_open,
    _ensure_can_move,
    _refuse_closed_period,
)
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
