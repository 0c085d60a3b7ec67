"""Treasury pages, one module per area; urls.py imports them from here."""

from xfinances.treasury.views.accounts import (
    account_access,
    account_close,
    account_detail,
    account_edit,
    account_new,
    account_reconcile,
    accounts,
)
from xfinances.treasury.views.movements import (
    cash_order,
    movement_attach,
    movement_delete,
    movement_detail,
    movement_edit,
    movement_new,
    movement_reverse,
    transfer_new,
    transfers,
)
from xfinances.treasury.views.reports import cashflow, forecast, forecast_week
from xfinances.treasury.views.settings import (
    categories,
    category_edit,
    period_reopen,
    periods,
    planned,
    planned_edit,
)

__all__ = [
    "account_access",
    "account_close",
    "account_detail",
    "account_edit",
    "account_new",
    "account_reconcile",
    "accounts",
    "cash_order",
    "cashflow",
    "categories",
    "category_edit",
    "forecast",
    "forecast_week",
    "movement_attach",
    "movement_delete",
    "movement_detail",
    "movement_edit",
    "movement_new",
    "movement_reverse",
    "period_reopen",
    "periods",
    "planned",
    "planned_edit",
    "transfer_new",
    "transfers",
]
