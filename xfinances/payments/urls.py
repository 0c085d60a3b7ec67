from django.urls import path

from xfinances.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.receivables, name="receivables"),
    path("list/", views.payment_list, name="list"),
    path("new/", views.payment_new, name="new"),
    path("<int:payment_id>/", views.payment_detail, name="payment"),
    path("<int:payment_id>/allocate/", views.payment_allocate, name="allocate"),
    path("<int:payment_id>/write-off/", views.payment_write_off, name="payment_write_off"),
    path("<int:payment_id>/refund/", views.payment_refund, name="refund"),
    path("<int:payment_id>/take-back/", views.payment_take_back, name="take_back"),
    path("<int:payment_id>/refund-of/", views.payment_link_refund, name="link_refund"),
    path("<int:payment_id>/refund-of/undo/", views.payment_unlink_refund, name="unlink_refund"),
    path(
        "supplier-invoices/<int:supplier_invoice_id>/",
        views.supplier_invoice_detail,
        name="supplier_invoice",
    ),
    path(
        "supplier-invoices/<int:supplier_invoice_id>/write-off/",
        views.supplier_invoice_write_off,
        name="supplier_invoice_write_off",
    ),
    path(
        "supplier-invoices/<int:supplier_invoice_id>/set-off/",
        views.supplier_set_off,
        name="supplier_set_off",
    ),
    path("allocations/<int:allocation_id>/undo/", views.allocation_undo, name="undo"),
    path("documents/<int:document_id>/", views.document_detail, name="document"),
    path("documents/<int:document_id>/write-off/", views.document_write_off, name="write_off"),
    path("documents/<int:document_id>/mark-paid/", views.document_mark_paid, name="mark_paid"),
    path("write-offs/<int:write_off_id>/undo/", views.write_off_undo, name="write_off_undo"),
    path("statement/<int:party_id>/", views.statement, name="statement"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/send-now/", views.reminders_send_now, name="send_now"),
    path("settings/", views.payment_settings_save, name="settings"),
    path("reminders/default-levels/", views.reminders_default_levels, name="default_levels"),
    path("reminders/levels/new/", views.level_new, name="level_new"),
    path("reminders/levels/<int:level_id>/", views.level_detail, name="level"),
    path("reminders/levels/<int:level_id>/delete/", views.level_delete, name="level_delete"),
    path("reminders/pauses/new/", views.pause_new, name="pause_new"),
    path("reminders/pauses/<int:pause_id>/end/", views.pause_end, name="pause_end"),
]
