"""Named reads of the treasury: who sees which account, balances, statements, reports.

Balances aggregate in SQL with one grouped query over the monthly totals and one over the
current month's movements, whatever the number of accounts; the tree roll-up is pure Python
over the (small) list of accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from xfinances.core.models import Company, User
from xfinances.core.money import ZERO, round_cent
from xfinances.core.permissions import role_of
from xfinances.core.queries import rate_value
from xfinances.core.roles import can
from xfinances.treasury import balances, cashflow, forecast_sources
from xfinances.treasury import forecast as forecast_module
from xfinances.treasury.models import (
    AccountAccess,
    AccountMonthTotal,
    BankBalanceCheck,
    CashflowCategory,
    MoneyAccount,
    Movement,
    PlannedItem,
    Transfer,
    TreasuryPeriodClose,
)


def _sum(value: Decimal | None) -> Decimal:
    """A SQL SUM of cent amounts, back to exact cents (SQLite sums decimals as floating point;
    every stored amount has two decimals, so rounding the sum restores the exact value)."""
    return round_cent(value) if value is not None else ZERO


# ---------------------------------------------------------------- access


@dataclass(frozen=True)
class AccountAccessMap:
    """Which accounts a user may see and move money in. `None` means every account."""

    view: frozenset[int] | None
    move: frozenset[int] | None

    def can_view(self, account_id: int) -> bool:
        return self.view is None or account_id in self.view

    def can_move(self, account_id: int) -> bool:
        return self.move is None or account_id in self.move


def tree_parents(company: Company) -> dict[int, int | None]:
    return dict(MoneyAccount.objects.filter(company=company).values_list("id", "parent_id"))


def access_map(company: Company, user_id: int | None, role: str | None) -> AccountAccessMap:
    """Owners and accountants see every account; everyone else sees the accounts granted to
    them and their sub-accounts. A system actor (user None) sees everything."""
    if user_id is None:
        return AccountAccessMap(None, None)
    if can(role, "treasury.all_accounts"):
        return AccountAccessMap(None, None if can(role, "treasury.change") else frozenset())
    if role is None:
        return AccountAccessMap(frozenset(), frozenset())
    grants = list(
        AccountAccess.objects.filter(company=company, user_id=user_id).values_list(
            "account_id", "can_view", "can_move"
        )
    )
    if not grants:
        return AccountAccessMap(frozenset(), frozenset())
    parents = tree_parents(company)
    view: set[int] = set()
    move: set[int] = set()
    for account_id, can_view, can_move in grants:
        below = balances.descendants(parents, account_id)
        if can_view or can_move:
            view |= below
        if can_move:
            move |= below
    return AccountAccessMap(frozenset(view), frozenset(move))


def access_for_user(company: Company, user: Any) -> AccountAccessMap:
    user_id = getattr(user, "pk", None)
    return access_map(company, user_id, role_of(user_id, company))


def visible_accounts(company: Company, access: AccountAccessMap) -> QuerySet[MoneyAccount]:
    accounts = MoneyAccount.objects.filter(company=company)
    if access.view is not None:
        accounts = accounts.filter(pk__in=access.view)
    return accounts


def visible_account(company: Company, access: AccountAccessMap, account_id: int) -> MoneyAccount:
    """The account, or 404 when it is another company's or the user may not see it."""
    account = (
        visible_accounts(company, access).filter(pk=account_id).select_related("parent").first()
    )
    if account is None:
        raise Http404("no such account")
    return account


def visible_movement(company: Company, access: AccountAccessMap, movement_id: int) -> Movement:
    movement = (
        Movement.objects.filter(company=company, pk=movement_id)
        .select_related("account", "category", "transfer", "reversal_of")
        .first()
    )
    if movement is None or not access.can_view(movement.account_id):
        raise Http404("no such movement")
    return movement


def grants_of(company: Company, account: MoneyAccount) -> QuerySet[AccountAccess]:
    return AccountAccess.objects.filter(company=company, account=account).select_related("user")


# ---------------------------------------------------------------- periods


def lock_date(company: Company, account: MoneyAccount | None = None) -> dt.date | None:
    """The last closed day for `account` (or the company): the latest of the company's lock date,
    the treasury close of the company and the closes of the account and its parents."""
    candidates: list[dt.date] = []
    if company.lock_date:
        candidates.append(company.lock_date)
    scope = Q(account__isnull=True)
    if account is not None:
        ancestors = [account.pk]
        parents = tree_parents(company)
        current = parents.get(account.pk)
        while current is not None and current not in ancestors:
            ancestors.append(current)
            current = parents.get(current)
        scope |= Q(account_id__in=ancestors)
    latest = (
        TreasuryPeriodClose.objects.filter(scope, company=company, reopened_at__isnull=True)
        .order_by("-closed_until")
        .values_list("closed_until", flat=True)
        .first()
    )
    if latest:
        candidates.append(latest)
    return max(candidates) if candidates else None


def period_closes(company: Company) -> QuerySet[TreasuryPeriodClose]:
    return TreasuryPeriodClose.objects.filter(company=company).select_related(
        "account", "created_by", "reopened_by"
    )


# ---------------------------------------------------------------- balances


def own_balances(
    company: Company, on: dt.date, account_ids: frozenset[int] | set[int] | None = None
) -> dict[int, Decimal]:
    """Each account's own balance (without sub-accounts) at the end of `on`, in its currency.

    Two grouped SQL queries: month totals before `on`'s month, movements of that month up to `on`.
    """
    first = balances.month_start(on)
    months = AccountMonthTotal.objects.filter(company=company, month__lt=first)
    recent = Movement.objects.filter(company=company, date__gte=first, date__lte=on)
    accounts = MoneyAccount.objects.filter(company=company, opening_date__lte=on)
    if account_ids is not None:
        months = months.filter(account_id__in=account_ids)
        recent = recent.filter(account_id__in=account_ids)
        accounts = accounts.filter(pk__in=account_ids)
    result: dict[int, Decimal] = {
        pk: opening for pk, opening in accounts.values_list("pk", "opening_balance") if opening
    }
    for rows in (
        months.values("account_id").annotate(total=Sum("total")).values_list("account_id", "total"),
        recent.values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total"),
    ):
        for account_id, total in rows:
            result[account_id] = result.get(account_id, ZERO) + _sum(total)
    return result


def own_balances_by_sum(company: Company, on: dt.date) -> dict[int, Decimal]:
    """The same as `own_balances`, straight from the movements (one SUM … GROUP BY): the
    reference the month totals are checked against in tests and benchmarks."""
    result: dict[int, Decimal] = {
        pk: opening
        for pk, opening in MoneyAccount.objects.filter(
            company=company, opening_date__lte=on
        ).values_list("pk", "opening_balance")
        if opening
    }
    rows = (
        Movement.objects.filter(company=company, date__lte=on)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for account_id, total in rows:
        result[account_id] = result.get(account_id, ZERO) + _sum(total)
    return result


def total_balance(company: Company, account: MoneyAccount) -> Decimal:
    """Balance including every movement, also future-dated ones (for closing an account)."""
    total = Movement.objects.filter(company=company, account=account).aggregate(s=Sum("amount"))[
        "s"
    ]
    return account.opening_balance + _sum(total)


@dataclass
class AccountRow:
    account: MoneyAccount
    depth: int
    own: Decimal
    balance: Decimal  # including sub-accounts
    balance_eur: Decimal | None  # None when no rate is known for the day
    has_children: bool = False


@dataclass
class AccountTree:
    date: dt.date
    rows: list[AccountRow]
    total_eur: Decimal
    missing_rates: list[str] = field(default_factory=list)
    per_currency: dict[str, Decimal] = field(default_factory=dict)


def account_tree(
    company: Company, access: AccountAccessMap, on: dt.date, include_closed: bool = False
) -> AccountTree:
    """Every visible account in tree order with own and rolled-up balances, and the EUR total of
    the top-level (visible) accounts at the rates of `on`."""
    accounts = {a.pk: a for a in visible_accounts(company, access).order_by("name", "id")}
    parents = {pk: a.parent_id for pk, a in accounts.items()}
    own = own_balances(company, on, None if access.view is None else set(accounts))
    rolled = balances.roll_up(parents, own)
    rates: dict[str, Decimal | None] = {}
    for currency in {a.currency for a in accounts.values()}:
        rates[currency] = rate_value(company, currency, on)
    has_children = {p for p in parents.values() if p is not None}
    rows: list[AccountRow] = []
    total = ZERO
    per_currency: dict[str, Decimal] = {}
    for pk, depth in balances.depth_first(parents, list(accounts)):
        account = accounts[pk]
        if not include_closed and not account.is_active and not rolled.get(pk):
            continue
        balance = rolled.get(pk, ZERO)
        eur = balances.to_eur(balance, rates[account.currency])
        rows.append(AccountRow(account, depth, own.get(pk, ZERO), balance, eur, pk in has_children))
        if parents[pk] is None or parents[pk] not in accounts:
            per_currency[account.currency] = per_currency.get(account.currency, ZERO) + balance
            if eur is not None:
                total += eur
    missing = sorted(c for c, r in rates.items() if r is None)
    return AccountTree(on, rows, total, missing, per_currency)


def subtree_balance(company: Company, account: MoneyAccount, on: dt.date) -> Decimal:
    ids = balances.descendants(tree_parents(company), account.pk)
    return sum(own_balances(company, on, ids).values(), ZERO)


# ---------------------------------------------------------------- movements and statements


def movements(
    company: Company,
    access: AccountAccessMap,
    *,
    account_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    category_id: int | None = None,
    source: str = "",
    direction: str = "",
    text: str = "",
) -> QuerySet[Movement]:
    rows = Movement.objects.filter(company=company)
    if access.view is not None:
        rows = rows.filter(account_id__in=access.view)
    if account_id:
        rows = rows.filter(account_id=account_id)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if category_id:
        rows = rows.filter(category_id=category_id)
    if source:
        rows = rows.filter(source=source)
    if direction == "in":
        rows = rows.filter(amount__gt=0)
    elif direction == "out":
        rows = rows.filter(amount__lt=0)
    if text:
        rows = rows.filter(
            Q(counterparty_name__icontains=text)
            | Q(description__icontains=text)
            | Q(remittance_info__icontains=text)
            | Q(counterparty_iban__icontains=text.replace(" ", ""))
        )
    return rows.select_related("account", "category").order_by("date", "id")


@dataclass
class StatementLine:
    movement: Movement
    balance: Decimal


@dataclass
class Statement:
    account: MoneyAccount
    date_from: dt.date
    date_to: dt.date
    opening: Decimal  # balance at the end of the day before date_from
    closing: Decimal  # balance at the end of date_to
    page_opening: Decimal  # running balance before the first line of this page
    lines: list[StatementLine]
    page: int
    pages: int
    count: int
    total_in: Decimal
    total_out: Decimal


def statement(
    company: Company,
    account: MoneyAccount,
    date_from: dt.date,
    date_to: dt.date,
    page: int = 1,
    per_page: int = 100,
) -> Statement:
    """The account's own movements from `date_from` to `date_to`, day by day, with the running
    balance; `page` counts from 1 and the running balance carries across pages."""
    opening = own_balances(company, date_from - dt.timedelta(days=1), {account.pk}).get(
        account.pk, ZERO
    )
    if account.opening_date >= date_from and account.opening_date <= date_to:
        opening = ZERO  # the opening balance appears as of its own date below
    rows = Movement.objects.filter(
        company=company, account=account, date__gte=date_from, date__lte=date_to
    )
    sums = rows.aggregate(
        total_in=Sum("amount", filter=Q(amount__gt=0)),
        total_out=Sum("amount", filter=Q(amount__lt=0)),
    )
    total_in, total_out = _sum(sums["total_in"]), _sum(sums["total_out"])
    count = rows.count()
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    offset = (page - 1) * per_page
    start_opening = opening
    if account.opening_date >= date_from and account.opening_date <= date_to:
        start_opening = account.opening_balance
    ordered = rows.order_by("date", "id")
    before = ZERO
    if offset:
        before = sum(ordered.values_list("amount", flat=True)[:offset], ZERO)  # exact: row values
    page_rows = list(ordered.select_related("category")[offset : offset + per_page])
    running = balances.running_balance(start_opening + before, [m.amount for m in page_rows])
    closing = start_opening + total_in + total_out
    return Statement(
        account=account,
        date_from=date_from,
        date_to=date_to,
        opening=start_opening,
        closing=closing,
        page_opening=start_opening + before,
        lines=[StatementLine(m, r.balance) for m, r in zip(page_rows, running, strict=True)],
        page=page,
        pages=pages,
        count=count,
        total_in=total_in,
        total_out=total_out,
    )


def categories(company: Company, active_only: bool = True) -> QuerySet[CashflowCategory]:
    rows = CashflowCategory.objects.filter(company=company)
    if active_only:
        rows = rows.filter(is_active=True)
    return rows.order_by("name")


def balance_checks(company: Company, account: MoneyAccount) -> QuerySet[BankBalanceCheck]:
    return BankBalanceCheck.objects.filter(company=company, account=account).select_related(
        "created_by"
    )


def transfers(company: Company) -> QuerySet[Transfer]:
    return Transfer.objects.filter(company=company).select_related("from_account", "to_account")


# ---------------------------------------------------------------- reports


@dataclass
class CashflowRow:
    category: str
    money_in: Decimal
    money_out: Decimal

    @property
    def net(self) -> Decimal:
        return self.money_in + self.money_out


def cashflow_by_category(
    company: Company, access: AccountAccessMap, date_from: dt.date, date_to: dt.date, currency: str
) -> list[CashflowRow]:
    """Money in and out per category for the period, over the visible accounts of `currency`
    (one grouped query). Internal transfers are included and shown as their own category."""
    rows = movements(company, access, date_from=date_from, date_to=date_to).filter(
        currency=currency
    )
    grouped = (
        rows.order_by()
        .values("category__name")
        .annotate(
            money_in=Sum("amount", filter=Q(amount__gt=0)),
            money_out=Sum("amount", filter=Q(amount__lt=0)),
        )
        .order_by("category__name")
    )
    return [
        CashflowRow(g["category__name"] or "—", _sum(g["money_in"]), _sum(g["money_out"]))
        for g in grouped
    ]


def dashboard_summary(company: Company, user: User) -> dict[str, Any]:
    """Figures for the dashboard: total cash now in EUR, per top-level account, change against
    the same day last month. Only the accounts the user may see."""
    access = access_for_user(company, user)
    today = dt.date.today()
    month_ago = today - dt.timedelta(days=30)
    now = account_tree(company, access, today)
    before = account_tree(company, access, month_ago)
    tops = [r for r in now.rows if r.depth == 0]
    currency = forecast_currency(company, access)
    ahead = cash_forecast(company, access, currency, forecast_module.DEFAULT_WEEKS, today)
    lowest = ahead.forecast.lowest
    return {
        "forecast_currency": currency,
        "forecast_weeks": len(ahead.forecast.weeks),
        "lowest": {
            "week": lowest.index,
            "start": lowest.start,
            "end": lowest.end,
            "closing": lowest.closing,
            "below_zero": lowest.closing < 0,
        },
        "date": today,
        "total_eur": now.total_eur,
        "total_eur_month_ago": before.total_eur,
        "change_eur": now.total_eur - before.total_eur,
        "missing_rates": now.missing_rates,
        "accounts": [
            {
                "id": r.account.pk,
                "name": r.account.name,
                "currency": r.account.currency,
                "balance": r.balance,
                "balance_eur": r.balance_eur,
            }
            for r in tops
        ],
    }


# ---------------------------------------------------------------- cash-flow report


def visible_transfers(company: Company, access: AccountAccessMap) -> QuerySet[Transfer]:
    """Transfers newest first; a user who does not see every account sees those touching an
    account they see."""
    rows = transfers(company)
    if access.view is not None:
        rows = rows.filter(Q(from_account_id__in=access.view) | Q(to_account_id__in=access.view))
    return rows.order_by("-date", "-id")


def cashflow_report(
    company: Company,
    access: AccountAccessMap,
    current: cashflow.Period,
    kind: str,
    currency: str,
    comparisons: list[cashflow.Period] | None = None,
) -> cashflow.CashflowReport:
    """Money in and out by category and by account for `current` and each comparison period,
    over the visible accounts of `currency`. One grouped query for all periods (conditional
    sums), one for the chart buckets, and the balances before and after the period."""
    periods = [current, *(comparisons or [])]
    first = min(p.date_from for p in periods)
    last = max(p.date_to for p in periods)
    rows = movements(company, access, date_from=first, date_to=last).filter(currency=currency)
    sums: dict[str, Any] = {}
    for i, p in enumerate(periods):
        inside = Q(date__gte=p.date_from, date__lte=p.date_to)
        sums[f"in_{i}"] = Sum("amount", filter=inside & Q(amount__gt=0))
        sums[f"out_{i}"] = Sum("amount", filter=inside & Q(amount__lt=0))
    grouped = rows.order_by().values("category_id", "account_id").annotate(**sums)
    assembled = [
        cashflow.GroupedRow(
            g["category_id"],
            g["account_id"],
            tuple(_sum(g[f"in_{i}"]) for i in range(len(periods))),
            tuple(_sum(g[f"out_{i}"]) for i in range(len(periods))),
        )
        for g in grouped
    ]
    category_names = dict(
        CashflowCategory.objects.filter(company=company).values_list("id", "name")
    )
    accounts = visible_accounts(company, access).filter(currency=currency)
    account_names = dict(accounts.values_list("id", "name"))
    by_category, by_account, totals = cashflow.assemble(
        assembled, len(periods), category_names, account_names, _("No category")
    )
    chart: list[cashflow.Bucket] = []
    daily = (
        rows.filter(date__gte=current.date_from, date__lte=current.date_to)
        .order_by()
        .values("date")
        .annotate(
            money_in=Sum("amount", filter=Q(amount__gt=0)),
            money_out=Sum("amount", filter=Q(amount__lt=0)),
        )
    )
    by_day = {d["date"]: (_sum(d["money_in"]), _sum(d["money_out"])) for d in daily}
    for bucket in cashflow.buckets(current):
        amounts = cashflow.Amounts()
        day = bucket.date_from
        while day <= bucket.date_to:
            if day in by_day:
                amounts.add(*by_day[day])
            day += dt.timedelta(days=1)
        chart.append(cashflow.Bucket(bucket, amounts))
    ids = set(account_names)
    opening = sum(
        own_balances(company, current.date_from - dt.timedelta(days=1), ids).values(), ZERO
    )
    closing = sum(own_balances(company, current.date_to, ids).values(), ZERO)
    return cashflow.CashflowReport(
        currency=currency,
        kind=kind,
        periods=periods,
        by_category=by_category,
        by_account=by_account,
        totals=totals,
        buckets=chart,
        opening=opening,
        closing=closing,
    )


# ---------------------------------------------------------------- forecast


def account_groups(
    company: Company, access: AccountAccessMap, currency: str
) -> tuple[dict[int, int], dict[int, MoneyAccount]]:
    """Visible active accounts of `currency`: account id → its top-level visible account id
    (the forecast group), and the top-level accounts by id."""
    accounts = {
        a.pk: a
        for a in visible_accounts(company, access).filter(currency=currency).order_by("name")
    }
    groups: dict[int, int] = {}
    for pk, account in accounts.items():
        top = pk
        seen = {pk}
        parent = account.parent_id
        while parent is not None and parent in accounts and parent not in seen:
            seen.add(parent)
            top = parent
            parent = accounts[parent].parent_id
        groups[pk] = top
    tops = {pk: accounts[pk] for pk in sorted(set(groups.values()), key=lambda k: accounts[k].name)}
    return groups, tops


@dataclass
class ForecastView:
    forecast: forecast_module.Forecast
    currency: str
    groups: dict[int, MoneyAccount]  # top-level accounts (forecast groups) by id
    include_unassigned: bool


def cash_forecast(
    company: Company,
    access: AccountAccessMap,
    currency: str,
    weeks: int = forecast_module.DEFAULT_WEEKS,
    start: dt.date | None = None,
) -> ForecastView:
    """The weekly forecast of the visible accounts of `currency` from today's balances.

    "Now" is the balance at the end of `start` with the day's recorded movements, the same
    figure the treasury shows for today; expected flows (open invoices, planned items) still
    count from `start` on, since they have not happened yet."""
    start = start or dt.date.today()
    groups, tops = account_groups(company, access, currency)
    own = own_balances(company, start, set(groups))
    opening: dict[int | None, Decimal] = dict.fromkeys(tops, ZERO)
    for account_id, amount in own.items():
        opening[groups[account_id]] += amount
    include_unassigned = access.view is None
    if include_unassigned:
        opening[None] = ZERO
    end = start + dt.timedelta(days=7 * weeks - 1)
    flows: list[forecast_module.ExpectedFlow] = []
    for source in forecast_sources.sources_for(company, currency, groups, include_unassigned):
        flows.extend(source.flows(start, end))
    result = forecast_module.weekly_forecast(opening, flows, start, weeks)
    return ForecastView(result, currency, tops, include_unassigned)


def planned_items(company: Company) -> QuerySet[PlannedItem]:
    return PlannedItem.objects.filter(company=company).select_related("account", "category")


def forecast_currency(company: Company, access: AccountAccessMap) -> str:
    """The currency the dashboard forecasts in: the company's default when it has accounts in
    it, else the currency of the first visible account."""
    currencies = list(
        visible_accounts(company, access).filter(is_active=True).values_list("currency", flat=True)
    )
    if not currencies or company.default_currency in currencies:
        return company.default_currency
    return currencies[0]
