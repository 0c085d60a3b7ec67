from django.urls import path

from xfinances.treasury import views

app_name = "treasury"
urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:money_account_id>/", views.account_detail, name="account"),
    path("accounts/<int:money_account_id>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:money_account_id>/close/", views.account_close, name="account_close"),
    path("accounts/<int:money_account_id>/access/", views.account_access, name="account_access"),
    path(
        "accounts/<int:money_account_id>/reconcile/",
        views.account_reconcile,
        name="account_reconcile",
    ),
    path("movements/new/", views.movement_new, name="movement_new"),
    path("movements/<int:movement_id>/", views.movement_detail, name="movement"),
    path("movements/<int:movement_id>/edit/", views.movement_edit, name="movement_edit"),
    path("movements/<int:movement_id>/reverse/", views.movement_reverse, name="movement_reverse"),
    path("movements/<int:movement_id>/delete/", views.movement_delete, name="movement_delete"),
    path("movements/<int:movement_id>/attach/", views.movement_attach, name="movement_attach"),
    path("movements/<int:movement_id>/cash-order/", views.cash_order, name="cash_order"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("periods/", views.periods, name="periods"),
    path("categories/", views.categories, name="categories"),
    path("cash-flow/", views.cashflow, name="cashflow"),
    path("transfers/", views.transfers, name="transfers"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/week/", views.forecast_week, name="forecast_week"),
    path("planned/", views.planned, name="planned"),
    path("planned/<int:planned_item_id>/", views.planned_edit, name="planned_edit"),
    path("categories/<int:cashflow_category_id>/", views.category_edit, name="category_edit"),
    path("periods/<int:period_close_id>/reopen/", views.period_reopen, name="period_reopen"),
]
