"""Money accounts: create, update, close, access grants, and the company's own bank accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, formatting, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.identifiers import bank_name_for_iban, bic_for_iban, clean_iban
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company, Currency, Membership, User
from xfinances.core.permissions import ensure_can
from xfinances.treasury import balances, locks, queries
from xfinances.treasury.actions.categories import ensure_default_categories
from xfinances.treasury.actions.common import _refuse_closed_period
from xfinances.treasury.models import (
    AccountAccess,
    AccountKind,
    MoneyAccount,
    Movement,
)


def _bic(value: object) -> str:
    bic = readers.text(value, max_length=20).upper()
    if bic and (len(bic) not in (8, 11) or not bic.isalnum()):
        raise readers.ReadError(_lazy("BIC has 8 or 11 letters and digits."))
    return bic


@dataclass(frozen=True, kw_only=True)
class AccountInput(ActionInput):
    """An account. An empty `kind` or `currency` is the parent's (else the company's currency);
    no `opening_date` is today. `parent` is a MoneyAccount or its id."""

    kind: str = reads(
        inputs.choice(["", *AccountKind.values], _lazy("Choose a kind of account.")), default=""
    )
    name: str = reads(inputs.text(max_length=200, required=True), default="")
    iban: str = reads(inputs.iban, default="")
    bic: str = reads(_bic, default="")
    bank_name: str = reads(inputs.text(max_length=200), default="")
    currency: str = reads(
        inputs.choice(["", *Currency.values], _lazy("Unknown currency."), upper=True), default=""
    )
    parent: object = reads(inputs.as_is, default=None)
    opening_balance: Decimal = reads(inputs.amount(allow_negative=True), default=Decimal(0))
    opening_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    allow_negative: bool = reads(inputs.flag, default=False)


ACCOUNT_FIELDS = AccountInput.field_names()


# ---------------------------------------------------------------- accounts


def _clean_parent(
    company: Company, clean: dict[str, Any], errors: ErrorCollector, account: MoneyAccount | None
) -> None:
    parent = clean.get("parent")
    if isinstance(parent, int | str) and parent != "":
        parent = MoneyAccount.objects.filter(company=company, pk=parent).first()
        if parent is None:
            errors.add("parent", _("No such account."))
        clean["parent"] = parent
    elif parent == "":
        clean["parent"] = None
    parent = clean.get("parent")
    if not isinstance(parent, MoneyAccount):
        return
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


def _clean_account(
    company: Company, clean: dict[str, Any], errors: ErrorCollector, account: MoneyAccount | None
) -> dict[str, Any]:
    """What the typed values need the database or each other for: the parent, the IBAN's
    uniqueness, its BIC and bank, a bank account's IBAN."""
    if "kind" in clean and not clean["kind"]:
        errors.add("kind", _("Choose a kind of account."))
    if "currency" in clean and not clean["currency"]:
        errors.add("currency", _("Unknown currency."))
    _clean_parent(company, clean, errors, account)
    kind = clean.get("kind") or (account.kind if account else "")
    if clean.get("iban"):
        clean["bic"] = clean.get("bic") or bic_for_iban(clean["iban"])
        clean["bank_name"] = clean.get("bank_name") or bank_name_for_iban(clean["iban"])
        clash = MoneyAccount.objects.filter(company=company, iban=clean["iban"])
        if account is not None:
            clash = clash.exclude(pk=account.pk)
        if clash.exists():
            errors.add("iban", _("Another account already has this IBAN."))
    elif "iban" in clean:
        has_parent = (
            clean.get("parent") if "parent" in clean else (account.parent_id if account else None)
        )
        if kind == AccountKind.BANK and not has_parent:
            errors.add("iban", _("A bank account needs its IBAN."))
    return clean


@transaction.atomic
def create_account(actor: Actor, company: Company, data: AccountInput) -> MoneyAccount:
    """A new account or sub-account (`parent`). A sub-account takes its parent's currency."""
    ensure_can(actor, company, "treasury.change")
    values = asdict(data)
    parent = data.parent
    if isinstance(parent, MoneyAccount):
        values["currency"] = values["currency"] or parent.currency
        values["kind"] = values["kind"] or parent.kind
    values["currency"] = values["currency"] or company.default_currency
    values["opening_date"] = values["opening_date"] or dt.date.today()
    errors = InvalidInput.collect()
    clean = _clean_account(company, values, errors, None)
    errors.raise_if_any()
    ensure_default_categories(company)
    if clean.get("parent") is not None:
        _refuse_closed_period(company, clean["parent"], clean["opening_date"], "opening_date")
    account = MoneyAccount.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_account", account)
    return account


@transaction.atomic
def update_account(
    actor: Actor, account: MoneyAccount, changes: Changes[AccountInput]
) -> MoneyAccount:
    company = account.company
    ensure_can(actor, company, "treasury.change")
    account = locks.lock_account(company, account.pk)
    errors = InvalidInput.collect()
    values = dict(changes.items())
    if values.get("opening_date", account.opening_date) is None:
        values["opening_date"] = account.opening_date
    clean = _clean_account(company, values, errors, account)
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
        AccountInput(
            kind=AccountKind.BANK,
            name=f"{name} …{iban[-4:]}",
            iban=iban,
            currency=currency or company.default_currency,
            opening_date=dt.date(2000, 1, 1),
        ),
    )


def on_company_bank_account_added(event: Any) -> None:
    """core.CompanyBankAccountAdded → the bank money account (same transaction)."""
    company = Company.objects.get(pk=event.company_id)
    user = User.objects.filter(pk=event.user_id).first() if event.user_id else None
    actor = Actor(user=user, source=event.source or "task")
    if user is None:
        actor = Actor.system(event.source or "task")
    ensure_bank_account(actor, company, iban=event.iban, currency=event.currency)
