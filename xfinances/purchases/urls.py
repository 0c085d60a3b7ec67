from django.urls import path

from xfinances.purchases import views

app_name = "purchases"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("new/", views.invoice_create, name="create"),
    path("import/", views.ubl_import, name="import"),
    path("due/", views.due_this_week, name="due"),
    path("settings/", views.purchase_settings, name="settings"),
    path("batches/<int:payment_batch_id>/", views.batch_detail, name="batch"),
    path("<int:supplier_invoice_id>/", views.invoice_detail, name="detail"),
    path("<int:supplier_invoice_id>/edit/", views.invoice_edit, name="edit"),
    path("<int:supplier_invoice_id>/approve/", views.invoice_approve, name="approve"),
    path("<int:supplier_invoice_id>/reject/", views.invoice_reject, name="reject"),
    path(
        "<int:supplier_invoice_id>/request-approval/",
        views.invoice_request_approval,
        name="request_approval",
    ),
    path("<int:supplier_invoice_id>/cancel/", views.invoice_cancel, name="cancel"),
    path("<int:supplier_invoice_id>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "attachments/<int:supplier_attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
