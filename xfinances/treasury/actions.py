"""Every write of the treasury: accounts, grants, movements, transfers, reversals, period
closes, bank balance checks, categories. Each is one transaction with its audit rows.

Rules kept here (see docs/treasury.md):
- `Movement.amount` is signed: > 0 money in, < 0 money out, in the account's currency.
- A movement dated on or before the account's lock date (queries.lock_date) is never edited or
  deleted; it is reversed by a new movement dated in an open period.
- Writers lock the accounts they touch (locks.py) and keep AccountMonthTotal in step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, edit_guards, formatting, readers
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput, NotAllowed
from xfinances.core.identifiers import IdentifierError, bank_name_for_iban, bic_for_iban, clean_iban
from xfinances.core.models import Company, Currency, Membership, User
from xfinances.core.money import ZERO, MoneyError, round_cent, to_decimal
from xfinances.core.permissions import ensure_can, role_of
from xfinances.core.queries import rate_value
from xfinances.treasury import balances, locks, queries
from xfinances.treasury.models import (
    AccountAccess,
    AccountKind,
    AccountMonthTotal,
    BankBalanceCheck,
    CashflowCategory,
    CashOrderKind,
    MoneyAccount,
    Movement,
    MovementAttachment,
    MovementSource,
    MovementStatus,
    PlannedItem,
    Schedule,
    Transfer,
    TreasuryPeriodClose,
)

DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("sales", "Продажби"),
    ("suppliers", "Доставчици"),
    ("salaries", "Заплати"),
    ("taxes", "Данъци"),
    ("loans", "Кредити"),
    ("rent", "Наем"),
    ("internal", "Вътрешни трансфери"),
    ("other", "Други"),
]

ACCOUNT_FIELDS = (
    "kind",
    "name",
    "iban",
    "bic",
    "bank_name",
    "currency",
    "parent",
    "opening_balance",
    "opening_date",
    "allow_negative",
)
MOVEMENT_EDIT_FIELDS = (
    "date",
    "direction",
    "amount",
    "counterparty_name",
    "counterparty_iban",
    "category",
    "description",
    "remittance_info",
)


# ---------------------------------------------------------------- checks


def _ensure_can_move(actor: Actor, company: Company, account: MoneyAccount) -> None:
    """The actor may enter movements in `account`: staff in every account, others with a grant."""
    if actor.user is None:
        return
    access = queries.access_map(company, actor.user.pk, role_of(actor.user.pk, company))
    if not access.can_move(account.pk):
        raise NotAllowed(_("You may not enter movements in this account."))


def _amount(value: object, errors: ErrorCollector, field: str = "amount") -> Decimal:
    try:
        amount = to_decimal(value)
    except MoneyError:
        errors.add(field, _("Enter the amount as a number, e.g. 1250.50."))
        return ZERO
    try:
        readers.within_amount_range(amount)
    except readers.ReadError as error:
        errors.add(field, error.message)
        return ZERO
    if amount != round_cent(amount):
        errors.add(field, _("Amounts have at most two decimals."))
    return amount


def _clean_date(value: object, errors: ErrorCollector, field: str = "date") -> dt.date | None:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value or ""))
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None
    try:
        return readers.within_bounds(day)
    except readers.ReadError as error:
        errors.add(field, error.message)
        return None


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


def ensure_default_categories(company: Company) -> None:
    """Seed the default cash-flow categories once (idempotent)."""
    existing = set(CashflowCategory.objects.filter(company=company).values_list("code", flat=True))
    for code, name in DEFAULT_CATEGORIES:
        if code not in existing:
            CashflowCategory.objects.create(company=company, code=code, name=name)


def _category_by_code(company: Company, code: str) -> CashflowCategory | None:
    ensure_default_categories(company)
    return CashflowCategory.objects.filter(company=company, code=code).first()


# ---------------------------------------------------------------- accounts


def _clean_account(
    company: Company, data: dict[str, Any], errors: ErrorCollector, account: MoneyAccount | None
) -> dict[str, Any]:
    clean = dict(data)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            errors.add("name", _("Enter the account's name."))
    if "kind" in clean and clean["kind"] not in AccountKind.values:
        errors.add("kind", _("Choose a kind of account."))
    if "currency" in clean and clean["currency"] not in Currency.values:
        errors.add("currency", _("Unknown currency."))
    if "opening_balance" in clean:
        clean["opening_balance"] = _amount(
            clean["opening_balance"] if clean["opening_balance"] not in (None, "") else "0",
            errors,
            "opening_balance",
        )
    if "opening_date" in clean:
        clean["opening_date"] = _clean_date(clean["opening_date"], errors, "opening_date")
    if "allow_negative" in clean:
        clean["allow_negative"] = bool(clean["allow_negative"])
    parent = clean.get("parent")
    if isinstance(parent, int | str) and parent != "":
        parent = MoneyAccount.objects.filter(company=company, pk=parent).first()
        if parent is None:
            errors.add("parent", _("No such account."))
        clean["parent"] = parent
    elif parent == "":
        clean["parent"] = None
    parent = clean.get("parent")
    if isinstance(parent, MoneyAccount):
        if parent.company_id != company.pk:
            errors.add("parent", _("No such account."))
        elif not parent.is_active:
            errors.add("parent", _("The parent account is closed."))
        else:
            currency = clean.get("currency") or (account.currency if account else None)
            if currency and currency != parent.currency:
                errors.add(
                    "currency",
                    _("A sub-account holds its parent's currency (%(currency)s).")
                    % {"currency": parent.currency},
                )
            if account is not None and balances.would_make_cycle(
                queries.tree_parents(company), account.pk, parent.pk
            ):
                errors.add(
                    "parent", _("An account cannot be placed under itself or its own sub-account.")
                )
    kind = clean.get("kind") or (account.kind if account else "")
    if clean.get("iban"):
        try:
            clean["iban"] = clean_iban(clean["iban"])
        except IdentifierError as error:
            errors.add("iban", str(error))
        else:
            clean["bic"] = (clean.get("bic") or "").strip().upper() or bic_for_iban(clean["iban"])
            clean["bank_name"] = (clean.get("bank_name") or "").strip() or bank_name_for_iban(
                clean["iban"]
            )
            clash = MoneyAccount.objects.filter(company=company, iban=clean["iban"])
            if account is not None:
                clash = clash.exclude(pk=account.pk)
            if clash.exists():
                errors.add("iban", _("Another account already has this IBAN."))
    elif "iban" in clean:
        clean["iban"] = ""
        has_parent = (
            clean.get("parent") if "parent" in clean else (account.parent_id if account else None)
        )
        if kind == AccountKind.BANK and not has_parent:
            errors.add("iban", _("A bank account needs its IBAN."))
    if clean.get("bic"):
        clean["bic"] = clean["bic"].strip().upper()
        if len(clean["bic"]) not in (8, 11) or not clean["bic"].isalnum():
            errors.add("bic", _("BIC has 8 or 11 letters and digits."))
    return clean


@transaction.atomic
def create_account(actor: Actor, company: Company, **data: Any) -> MoneyAccount:
    """A new account or sub-account (`parent`). A sub-account takes its parent's currency."""
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, ACCOUNT_FIELDS, "account")
    parent = data.get("parent")
    if isinstance(parent, MoneyAccount) and not data.get("currency"):
        data["currency"] = parent.currency
    if isinstance(parent, MoneyAccount) and not data.get("kind"):
        data["kind"] = parent.kind
    data.setdefault("name", "")
    data.setdefault("kind", "")
    data.setdefault("iban", "")
    data.setdefault("currency", company.default_currency)
    data.setdefault("opening_balance", "0")
    data.setdefault("opening_date", dt.date.today())
    errors = InvalidInput.collect()
    clean = _clean_account(company, data, errors, None)
    errors.raise_if_any()
    ensure_default_categories(company)
    if clean.get("parent") is not None:
        _refuse_closed_period(company, clean["parent"], clean["opening_date"], "opening_date")
    account = MoneyAccount.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_account", account)
    return account


@transaction.atomic
def update_account(actor: Actor, account: MoneyAccount, **data: Any) -> MoneyAccount:
    company = account.company
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, ACCOUNT_FIELDS, "account")
    account = locks.lock_account(company, account.pk)
    errors = InvalidInput.collect()
    clean = _clean_account(company, data, errors, account)
    has_movements = Movement.objects.filter(company=company, account=account).exists()
    currency_changes = "currency" in clean and clean["currency"] != account.currency
    if currency_changes and (
        has_movements or MoneyAccount.objects.filter(company=company, parent=account).exists()
    ):
        errors.add(
            "currency",
            _("The currency of an account with movements or sub-accounts cannot change."),
        )
    if (
        "kind" in clean
        and clean["kind"] != account.kind
        and has_movements
        and AccountKind.CASH in (clean["kind"], account.kind)
    ):
        errors.add("kind", _("A cash register with movements stays a cash register."))
    errors.raise_if_any()
    opening_changes = any(
        k in clean and clean[k] != getattr(account, k) for k in ("opening_balance", "opening_date")
    )
    if opening_changes:
        for day in (account.opening_date, clean.get("opening_date") or account.opening_date):
            _refuse_closed_period(company, account, day, "opening_date")
        first = (
            Movement.objects.filter(company=company, account=account)
            .order_by("date")
            .values_list("date", flat=True)
            .first()
        )
        if first is not None and (clean.get("opening_date") or account.opening_date) > first:
            raise InvalidInput({"opening_date": [_("The account has movements before this date.")]})
    before = audit.snapshot(account)
    for key, value in clean.items():
        setattr(account, key, value)
    account.save()
    audit.record_update(actor, company, "update_account", account, before)
    return account


@transaction.atomic
def close_account(actor: Actor, account: MoneyAccount, on: dt.date | None = None) -> MoneyAccount:
    """Close an account and its sub-accounts. Each must have a zero balance (also counting
    future-dated movements)."""
    company = account.company
    ensure_can(actor, company, "treasury.change")
    ids = balances.descendants(queries.tree_parents(company), account.pk)
    locked = locks.lock_accounts(company, ids)
    for sub in sorted(locked.values(), key=lambda a: a.pk):
        left = queries.total_balance(company, sub)
        if left != 0:
            raise InvalidInput(
                {
                    "__all__": [
                        _("%(name)s still holds %(amount)s %(currency)s: move it out first.")
                        % {
                            "name": sub.name,
                            "amount": formatting.amount(left),
                            "currency": sub.currency,
                        }
                    ]
                }
            )
    day = on or dt.date.today()
    for sub in sorted(locked.values(), key=lambda a: a.pk):
        if not sub.is_active:
            continue
        before = audit.snapshot(sub)
        sub.is_active = False
        sub.closed_at = day
        sub.save(update_fields=["is_active", "closed_at"])
        audit.record_update(actor, company, "close_account", sub, before)
    return locked[account.pk]


@transaction.atomic
def set_account_access(
    actor: Actor, account: MoneyAccount, user: User, *, can_view: bool, can_move: bool
) -> AccountAccess | None:
    """Grant (or, with both False, remove) a member's access to an account and its sub-accounts.
    The grantee is one of the account's responsible employees."""
    company = account.company
    ensure_can(actor, company, "treasury.change")
    if not Membership.objects.filter(company=company, user=user).exists():
        raise InvalidInput({"user": [_("This person is not a member of the company.")]})
    existing = AccountAccess.objects.filter(company=company, account=account, user=user).first()
    if not can_view and not can_move:
        if existing:
            audit.record_delete(actor, company, "set_account_access", existing)
            existing.delete()
        return None
    if existing:
        before = audit.snapshot(existing)
        existing.can_view, existing.can_move = True, can_move
        existing.save(update_fields=["can_view", "can_move"])
        audit.record_update(actor, company, "set_account_access", existing, before)
        return existing
    grant = AccountAccess.objects.create(
        company=company, account=account, user=user, can_view=True, can_move=can_move
    )
    audit.record_create(actor, company, "set_account_access", grant)
    return grant


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


@transaction.atomic
def create_movement(
    actor: Actor,
    account: MoneyAccount,
    *,
    date: object,
    direction: str,
    amount: object,
    currency: str = "",
    counterparty_name: str = "",
    counterparty_iban: str = "",
    category: object = None,
    description: str = "",
    bank_reference: str = "",
    end_to_end_id: str = "",
    remittance_info: str = "",
    raw_data: dict[str, Any] | None = None,
    source: str = MovementSource.MANUAL,
) -> Movement:
    """Money in or out of one account. `amount` is positive; `direction` says which way."""
    company = account.company
    _ensure_can_move(actor, company, account)
    account = locks.lock_account(company, account.pk)
    errors = InvalidInput.collect()
    day = _clean_date(date, errors)
    signed = _signed(direction, _amount(amount, errors), errors)
    if currency and currency.upper() != account.currency:
        errors.add(
            "currency", _("The account holds %(currency)s only.") % {"currency": account.currency}
        )
    _check_account_open(account, day, errors)
    found_category = _resolve_category(company, category, errors)
    if counterparty_iban:
        try:
            counterparty_iban = clean_iban(counterparty_iban)
        except IdentifierError as error:
            errors.add("counterparty_iban", str(error))
    if source not in MovementSource.values:
        errors.add("source", _("Unknown source."))
    errors.raise_if_any()
    assert day is not None
    _refuse_closed_period(company, account, day)
    if account.is_cash_register and source == MovementSource.MANUAL:
        source = MovementSource.CASH
    return _insert_movement(
        actor,
        account,
        "create_movement",
        date=day,
        amount=signed,
        counterparty_name=(counterparty_name or "").strip()[:200],
        counterparty_iban=counterparty_iban,
        category=found_category,
        description=(description or "").strip()[:500],
        bank_reference=(bank_reference or "").strip(),
        end_to_end_id=end_to_end_id,
        remittance_info=remittance_info,
        raw_data=raw_data or {},
        source=source,
    )


@transaction.atomic
def update_movement(actor: Actor, movement: Movement, **data: Any) -> Movement:
    """Edit a movement of an open period (with audit). Closed periods, reversed movements,
    reversals and transfer legs change only by reversal."""
    company = movement.company
    ensure_known_fields(data, MOVEMENT_EDIT_FIELDS, "movement")
    _ensure_can_move(actor, company, movement.account)
    account = locks.lock_account(company, movement.account_id)
    movement = locks.lock_movement(company, movement.pk)
    _refuse_closed_period(company, account, movement.date)
    edit_guards.ensure_editable(movement)  # exported to accounting: reverse it instead
    if movement.status == MovementStatus.REVERSED or movement.reversal_of_id:
        raise Conflict(_("A reversed movement or a reversal cannot be edited."))
    errors = InvalidInput.collect()
    new_date = _clean_date(data["date"], errors) if "date" in data else movement.date
    amount = _amount(data["amount"], errors) if "amount" in data else abs(movement.amount)
    direction = data.get("direction", movement.direction)
    signed = _signed(direction, amount, errors)
    money_changes = signed != movement.amount or new_date != movement.date
    if movement.transfer_id and money_changes:
        errors.add("amount", _("Part of a transfer: reverse the transfer and enter it again."))
    if movement.source in (MovementSource.STATEMENT, MovementSource.PSD2) and money_changes:
        errors.add("amount", _("The bank's amount and date cannot be edited."))
    if movement.cash_order_number is not None and (signed > 0) != (movement.amount > 0):
        errors.add("direction", _("A cash order keeps its direction: reverse it instead."))
    if new_date is not None:
        _check_account_open(account, new_date, errors)
    clean: dict[str, Any] = {}
    if "category" in data:
        clean["category"] = _resolve_category(
            company, data["category"], errors, keep_id=movement.category_id
        )
    if data.get("counterparty_iban"):
        try:
            clean["counterparty_iban"] = clean_iban(data["counterparty_iban"])
        except IdentifierError as error:
            errors.add("counterparty_iban", str(error))
    elif "counterparty_iban" in data:
        clean["counterparty_iban"] = ""
    for key in ("counterparty_name", "description", "remittance_info"):
        if key in data:
            clean[key] = (data[key] or "").strip()
    errors.raise_if_any()
    assert new_date is not None
    _refuse_closed_period(company, account, new_date)
    before = audit.snapshot(movement)
    before_date = movement.date
    _bump_month(company, account.pk, movement.date, -movement.amount)
    movement.date, movement.amount = new_date, signed
    for key, value in clean.items():
        setattr(movement, key, value)
    movement.save()
    _bump_month(company, account.pk, movement.date, movement.amount)
    if money_changes:
        _refuse_negative_cash(account, min(movement.date, before_date))
    audit.record_update(actor, company, "update_movement", movement, before)
    return movement


@transaction.atomic
def delete_movement(actor: Actor, movement: Movement) -> None:
    """Delete a hand-entered bank/card movement of an open period. Cash orders (numbered,
    gapless), bank data, transfers and reversals are reversed instead."""
    company = movement.company
    _ensure_can_move(actor, company, movement.account)
    locks.lock_account(company, movement.account_id)
    movement = locks.lock_movement(company, movement.pk)
    _refuse_closed_period(company, movement.account, movement.date)
    edit_guards.ensure_editable(movement)
    if (
        movement.source != MovementSource.MANUAL
        or movement.cash_order_number is not None
        or movement.transfer_id
        or movement.reversal_of_id
        or movement.status == MovementStatus.REVERSED
    ):
        raise Conflict(_("This movement cannot be deleted: reverse it instead."))
    _bump_month(company, movement.account_id, movement.date, -movement.amount)
    audit.record_delete(actor, company, "delete_movement", movement)
    movement.delete()


@transaction.atomic
def reverse_movement(
    actor: Actor, movement: Movement, *, date: object, reason: str = ""
) -> list[Movement]:
    """Take a movement back with a new movement of the opposite amount dated in an open period.
    A transfer's legs are reversed together. Returns the new reversal movements."""
    company = movement.company
    legs = (
        list(Movement.objects.filter(company=company, transfer_id=movement.transfer_id))
        if movement.transfer_id
        else [movement]
    )
    for leg in legs:
        _ensure_can_move(actor, company, leg.account)
    accounts = locks.lock_accounts(company, [leg.account_id for leg in legs])
    errors = InvalidInput.collect()
    day = _clean_date(date, errors)
    if not (reason or "").strip():
        errors.add("reason", _("Say why the movement is reversed."))
    errors.raise_if_any()
    assert day is not None
    created = []
    for leg in sorted(legs, key=lambda m: m.pk):
        leg = locks.lock_movement(company, leg.pk)
        account = accounts[leg.account_id]
        if leg.status == MovementStatus.REVERSED:
            raise Conflict(_("This movement is already reversed."))
        if leg.reversal_of_id:
            raise Conflict(_("A reversal cannot be reversed: enter a new movement instead."))
        if not account.is_active:
            raise InvalidInput(
                {"date": [_("The account %(name)s is closed.") % {"name": account.name}]}
            )
        if day < leg.date:
            raise InvalidInput({"date": [_("The reversal cannot be dated before the movement.")]})
        _refuse_closed_period(company, account, day)
        reversal = _insert_movement(
            actor,
            account,
            "reverse_movement",
            date=day,
            amount=-leg.amount,
            counterparty_name=leg.counterparty_name,
            counterparty_iban=leg.counterparty_iban,
            category=leg.category,
            description=(_("Reversal: %(reason)s") % {"reason": reason.strip()})[:500],
            source=leg.source if leg.source == MovementSource.CASH else MovementSource.MANUAL,
            reversal_of=leg,
            transfer=leg.transfer,
        )
        before = audit.snapshot(leg)
        leg.status = MovementStatus.REVERSED
        leg.save(update_fields=["status", "updated_at"])
        audit.record_update(actor, company, "reverse_movement", leg, before, reason=reason.strip())
        created.append(reversal)
    return created


@transaction.atomic
def add_attachment(actor: Actor, movement: Movement, upload: UploadedFile) -> MovementAttachment:
    company = movement.company
    _ensure_can_move(actor, company, movement.account)
    if not upload or not upload.name:
        raise InvalidInput({"file": [_("Choose a file.")]})
    if upload.size and upload.size > 10 * 1024 * 1024:
        raise InvalidInput({"file": [_("The file is larger than 10 MB.")]})
    attachment = MovementAttachment(company=company, movement=movement, name=upload.name[:200])
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit.record_create(actor, company, "add_attachment", attachment)
    return attachment


# ---------------------------------------------------------------- transfers


@transaction.atomic
def create_transfer(
    actor: Actor,
    company: Company,
    *,
    from_account: MoneyAccount,
    to_account: MoneyAccount,
    date: object,
    amount: object,
    rate: object = None,
    amount_to: object = None,
    description: str = "",
) -> Transfer:
    """Move money between two own accounts: one Transfer, a movement out and a movement in.
    Between currencies `rate` is units of the target per unit of the source (or give
    `amount_to`); the exchange difference against the reference rates is recorded in EUR."""
    for account in (from_account, to_account):
        if account.company_id != company.pk:
            raise InvalidInput({"to_account": [_("No such account.")]})
    _ensure_can_move(actor, company, from_account)
    _ensure_can_move(actor, company, to_account)
    errors = InvalidInput.collect()
    if from_account.pk == to_account.pk:
        errors.add("to_account", _("Choose a different account to transfer to."))
        errors.raise_if_any()
    accounts = locks.lock_accounts(company, [from_account.pk, to_account.pk])
    source, target = accounts[from_account.pk], accounts[to_account.pk]
    day = _clean_date(date, errors)
    value = _amount(amount, errors)
    if value <= 0 and "amount" not in errors.errors:
        errors.add("amount", _("The amount must be greater than zero."))
    rate_value_in: Decimal | None = None
    if rate not in (None, ""):
        try:
            rate_value_in = to_decimal(rate)
        except MoneyError:
            errors.add("rate", _("Enter the rate as a number, e.g. 0.92."))
    to_value = _amount(amount_to, errors, "amount_to") if amount_to not in (None, "") else None
    _check_account_open(source, day, errors, "from_account")
    _check_account_open(target, day, errors, "to_account")
    errors.raise_if_any()
    assert day is not None
    try:
        amounts = balances.transfer_amounts(
            value, source.currency == target.currency, rate_value_in, to_value
        )
    except balances.TransferAmountError as error:
        messages = {
            "rate": _(
                "Give the exchange rate (units of %(to)s per 1 %(from)s) or the amount received."
            )
            % {"to": target.currency, "from": source.currency},
            "amount_to": _("The amount received does not match the amount and the rate."),
        }
        raise InvalidInput({error.field: [messages[error.field]]})
    for account in (source, target):
        _refuse_closed_period(company, account, day)
    difference = None
    if source.currency != target.currency:
        difference = balances.exchange_difference_eur(
            amounts.amount_from,
            rate_value(company, source.currency, day),
            amounts.amount_to,
            rate_value(company, target.currency, day),
        )
    transfer = Transfer.objects.create(
        company=company,
        date=day,
        from_account=source,
        to_account=target,
        amount_from=amounts.amount_from,
        currency_from=source.currency,
        amount_to=amounts.amount_to,
        currency_to=target.currency,
        rate=amounts.rate,
        exchange_difference_eur=difference,
        description=(description or "").strip()[:300],
    )
    audit.record_create(actor, company, "create_transfer", transfer)
    category = _category_by_code(company, "internal")
    text = transfer.description or _("Transfer %(from)s → %(to)s") % {
        "from": source.name,
        "to": target.name,
    }
    for account, signed in ((source, -amounts.amount_from), (target, amounts.amount_to)):
        _insert_movement(
            actor,
            account,
            "create_transfer",
            date=day,
            amount=signed,
            category=category,
            description=text[:500],
            transfer=transfer,
            counterparty_name=company.name,
            source=MovementSource.CASH if account.is_cash_register else MovementSource.MANUAL,
        )
    return transfer


# ---------------------------------------------------------------- periods and checks


@transaction.atomic
def close_period(
    actor: Actor, company: Company, *, closed_until: object, account: MoneyAccount | None = None
) -> TreasuryPeriodClose:
    """Close the treasury up to a day, for the company or one account. Closes only move forward."""
    ensure_can(actor, company, "treasury.close_period")
    errors = InvalidInput.collect()
    day = _clean_date(closed_until, errors, "closed_until")
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
    day = _clean_date(date, errors)
    reported = _amount(reported_balance, errors, "reported_balance")
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


@transaction.atomic
def create_category(
    actor: Actor, company: Company, *, name: str, parent: CashflowCategory | None = None
) -> CashflowCategory:
    ensure_can(actor, company, "treasury.change")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter the category's name.")]})
    if parent is not None and parent.company_id != company.pk:
        raise InvalidInput({"parent": [_("No such category.")]})
    category = CashflowCategory.objects.create(company=company, name=name[:120], parent=parent)
    audit.record_create(actor, company, "create_category", category)
    return category


@transaction.atomic
def update_category(
    actor: Actor,
    category: CashflowCategory,
    *,
    name: str | None = None,
    parent: CashflowCategory | object | None = ...,
    is_active: bool | None = None,
) -> CashflowCategory:
    """Rename, move or (de)activate a category. An inactive category keeps its movements and
    reports but cannot be chosen for new movements or planned items."""
    company = category.company
    ensure_can(actor, company, "treasury.change")
    category = CashflowCategory.objects.select_for_update().get(company=company, pk=category.pk)
    errors = InvalidInput.collect()
    before = audit.snapshot(category)
    if name is not None:
        name = name.strip()
        if not name:
            errors.add("name", _("Enter the category's name."))
        category.name = name[:120]
    if parent is not ...:
        if parent is not None and (
            not isinstance(parent, CashflowCategory) or parent.company_id != company.pk
        ):
            errors.add("parent", _("No such category."))
        elif isinstance(parent, CashflowCategory):
            parents = dict(
                CashflowCategory.objects.filter(company=company).values_list("id", "parent_id")
            )
            if balances.would_make_cycle(parents, category.pk, parent.pk):
                errors.add("parent", _("A category cannot be placed under itself."))
            category.parent = parent
        else:
            category.parent = None
    if is_active is not None:
        category.is_active = bool(is_active)
    errors.raise_if_any()
    category.save()
    audit.record_update(actor, company, "update_category", category, before)
    return category


# ---------------------------------------------------------------- planned items (forecast)

PLANNED_FIELDS = (
    "name",
    "direction",
    "amount",
    "currency",
    "account",
    "category",
    "schedule",
    "day",
    "start_date",
    "end_date",
    "is_active",
)


def _clean_planned(
    company: Company, data: dict[str, Any], item: PlannedItem | None
) -> dict[str, Any]:
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = (data["name"] or "").strip()[:200]
        if not clean["name"]:
            errors.add("name", _("Enter a name, e.g. Salaries."))
    if "amount" in data or "direction" in data:
        amount = _amount(data.get("amount", abs(item.amount) if item else ""), errors)
        direction = data.get("direction") or (("in" if item.amount > 0 else "out") if item else "")
        clean["amount"] = _signed(direction, amount, errors)
    if "account" in data:
        account = data["account"]
        if account in (None, ""):
            clean["account"] = None
        else:
            account_id = account.pk if isinstance(account, MoneyAccount) else account
            found = (
                MoneyAccount.objects.filter(company=company, pk=int(str(account_id))).first()
                if str(account_id).isdigit()
                else None
            )
            if found is None:
                errors.add("account", _("No such account."))
            clean["account"] = found
    if data.get("currency"):
        if data["currency"] not in Currency.values:
            errors.add("currency", _("Unknown currency."))
        clean["currency"] = data["currency"]
    account = clean.get("account", item.account if item else None)
    currency = clean.get("currency") or (item.currency if item else "")
    if account is not None:
        if currency and currency != account.currency and "currency" not in errors.errors:
            errors.add(
                "currency",
                _("The account holds %(currency)s only.") % {"currency": account.currency},
            )
        clean["currency"] = account.currency
    elif not currency:
        clean["currency"] = company.default_currency
    if "category" in data:
        keep = item.category_id if item else None
        clean["category"] = _resolve_category(company, data["category"], errors, keep_id=keep)
    if "schedule" in data:
        if data["schedule"] not in Schedule.values:
            errors.add("schedule", _("Choose how often it repeats."))
        clean["schedule"] = data["schedule"]
    if "start_date" in data:
        clean["start_date"] = _clean_date(data["start_date"], errors, "start_date")
    if "end_date" in data:
        clean["end_date"] = (
            None
            if data["end_date"] in (None, "")
            else _clean_date(data["end_date"], errors, "end_date")
        )
    schedule = clean.get("schedule") or (item.schedule if item else "")
    if "day" in data or "schedule" in data:
        raw_day = data.get("day", item.day if item else None)
        try:
            day = int(str(raw_day))
        except ValueError:
            day = 0
        top = 7 if schedule == Schedule.WEEKLY else 31
        if not 1 <= day <= top:
            errors.add(
                "day",
                _("A weekly item needs a weekday 1 (Monday) to 7 (Sunday).")
                if schedule == Schedule.WEEKLY
                else _("Enter a day of the month from 1 to 31."),
            )
        clean["day"] = day
    start = clean.get("start_date") or (item.start_date if item else None)
    end = clean.get("end_date", item.end_date if item else None)
    if start and end and end < start:
        errors.add("end_date", _("The end is before the start."))
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    errors.raise_if_any()
    return clean


@transaction.atomic
def create_planned_item(actor: Actor, company: Company, **data: Any) -> PlannedItem:
    """A recurring expected flow for the forecast: positive `amount` with `direction` in/out."""
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, PLANNED_FIELDS, "planned item")
    for key in ("name", "direction", "amount", "schedule", "day", "start_date"):
        data.setdefault(key, "")
    clean = _clean_planned(company, data, None)
    item = PlannedItem.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_planned_item", item)
    return item


@transaction.atomic
def update_planned_item(actor: Actor, item: PlannedItem, **data: Any) -> PlannedItem:
    company = item.company
    ensure_can(actor, company, "treasury.change")
    ensure_known_fields(data, PLANNED_FIELDS, "planned item")
    item = PlannedItem.objects.select_for_update().get(company=company, pk=item.pk)
    clean = _clean_planned(company, data, item)
    before = audit.snapshot(item)
    for key, value in clean.items():
        setattr(item, key, value)
    item.save()
    audit.record_update(actor, company, "update_planned_item", item, before)
    return item


@transaction.atomic
def delete_planned_item(actor: Actor, item: PlannedItem) -> None:
    company = item.company
    ensure_can(actor, company, "treasury.change")
    audit.record_delete(actor, company, "delete_planned_item", item)
    item.delete()


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


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual cash-flow categories."""
    ensure_default_categories(event.company)


# ---------------------------------------------------------------- bank accounts and statements


def ensure_bank_account(
    actor: Actor, company: Company, *, iban: str, currency: str = ""
) -> MoneyAccount:
    """The company's bank money account with this IBAN, created when missing (the company's
    own bank accounts are always bank accounts in treasury, so a statement finds its account).
    Not atomic by itself: callers run it inside their action."""
    iban = clean_iban(iban)
    found = MoneyAccount.objects.filter(company=company, iban=iban).first()
    if found is not None:
        return found
    name = bank_name_for_iban(iban) or _("Bank account")
    return create_account(
        actor,
        company,
        kind=AccountKind.BANK,
        name=f"{name} …{iban[-4:]}",
        iban=iban,
        currency=currency or company.default_currency,
        opening_date=dt.date(2000, 1, 1),
    )


def on_company_bank_account_added(event: Any) -> None:
    """core.CompanyBankAccountAdded → the bank money account (same transaction)."""
    company = Company.objects.get(pk=event.company_id)
    user = User.objects.filter(pk=event.user_id).first() if event.user_id else None
    actor = Actor(user=user, source=event.source or "task")
    if user is None:
        actor = Actor.system(event.source or "task")
    ensure_bank_account(actor, company, iban=event.iban, currency=event.currency)


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
