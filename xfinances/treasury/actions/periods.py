"""Period closes, reopening, bank balance checks and the month totals' repair."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, formatting, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.money import ZERO
from xfinances.core.permissions import ensure_can
from xfinances.treasury import queries
from xfinances.treasury.actions.common import _ensure_can_move
from xfinances.treasury.models import (
    AccountMonthTotal,
    BankBalanceCheck,
    MoneyAccount,
    Movement,
    TreasuryPeriodClose,
)

# ---------------------------------------------------------------- periods and checks


@transaction.atomic
def close_period(
    actor: Actor, company: Company, *, closed_until: object, account: MoneyAccount | None = None
) -> TreasuryPeriodClose:
    """Close the treasury up to a day, for the company or one account. Closes only move forward."""
    ensure_can(actor, company, "treasury.close_period")
    errors = InvalidInput.collect()
    day = readers.field(errors, "closed_until", readers.date, closed_until)
    if account is not None and account.company_id != company.pk:
        errors.add("account", _("No such account."))
    errors.raise_if_any()
    assert day is not None
    current = queries.lock_date(company, account)
    if current is not None and day <= current:
        raise InvalidInput(
            {
                "closed_until": [
                    _("The period up to %(date)s is already closed: choose a later day.")
                    % {"date": formatting.date(current)}
                ]
            }
        )
    if day >= dt.date.today() + dt.timedelta(days=1):
        raise InvalidInput({"closed_until": [_("A period in the future cannot be closed.")]})
    row = TreasuryPeriodClose.objects.create(
        company=company, account=account, closed_until=day, created_by=actor.user
    )
    audit.record_create(actor, company, "close_period", row)
    return row


@transaction.atomic
def reopen_period(actor: Actor, close: TreasuryPeriodClose, *, reason: str) -> TreasuryPeriodClose:
    """Take back a period close (owners only). The row stays, marked reopened, with who, when and
    why; the lock date falls back to the latest close still in force."""
    company = close.company
    ensure_can(actor, company, "treasury.reopen_period")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the period is reopened.")]})
    close = TreasuryPeriodClose.objects.select_for_update().get(company=company, pk=close.pk)
    if close.reopened_at is not None:
        raise Conflict(_("This period is already reopened."))
    before = audit.snapshot(close)
    close.reopened_at = timezone.now()
    close.reopened_by = actor.user
    close.reopen_reason = reason[:300]
    close.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit.record_update(actor, company, "reopen_period", close, before, reason=reason)
    return close


@transaction.atomic
def record_balance_check(
    actor: Actor, account: MoneyAccount, *, date: object, reported_balance: object, note: str = ""
) -> BankBalanceCheck:
    """Store the bank's reported balance on a day beside ours (the account with its
    sub-accounts) and the difference (ours minus the bank's)."""
    company = account.company
    _ensure_can_move(actor, company, account)
    errors = InvalidInput.collect()
    day = readers.field(errors, "date", readers.date, date)
    reported = (
        readers.field(
            errors, "reported_balance", readers.amount, reported_balance, allow_negative=True
        )
        or ZERO
    )
    errors.raise_if_any()
    assert day is not None
    computed = queries.subtree_balance(company, account, day)
    check = BankBalanceCheck.objects.create(
        company=company,
        account=account,
        date=day,
        reported_balance=reported,
        computed_balance=computed,
        difference=computed - reported,
        note=(note or "").strip()[:300],
        created_by=actor.user,
    )
    audit.record_create(actor, company, "record_balance_check", check)
    return check


def rebuild_month_totals(company: Company) -> int:
    """Recompute the month totals from the movements (repair tool; returns the row count)."""
    with transaction.atomic():
        AccountMonthTotal.objects.filter(company=company).delete()
        rows = (
            Movement.objects.filter(company=company)
            .annotate(month=TruncMonth("date"))
            .values("account_id", "month")
            .annotate(total=Sum("amount"))
        )
        created = AccountMonthTotal.objects.bulk_create(
            AccountMonthTotal(
                company=company, account_id=r["account_id"], month=r["month"], total=r["total"]
            )
            for r in rows
            if r["total"]
        )
    return len(created)
