from django.urls import path

from xfinances.accounting import views

app_name = "accounting"
urlpatterns = [
    path("", views.home, name="home"),
    path("export/", views.export_now, name="export"),
    path("mapping/", views.mapping, name="mapping"),
    path("destinations/new/", views.destination_new, name="destination_new"),
    path(
        "destinations/<int:destination_id>/active/",
        views.destination_active,
        name="destination_active",
    ),
    path("batches/<int:batch_id>/download/", views.batch_download, name="batch_download"),
    path("batches/<int:batch_id>/retry/", views.batch_retry, name="batch_retry"),
    # The month is a query parameter (?period=YYYY-MM), not a record id in the path.
    path("vat/", views.vat_period, name="vat_period"),
    path("vat/ledger.pdf", views.vat_ledger_pdf, name="vat_ledger_pdf"),
    path("vat/close/", views.vat_close, name="vat_close"),
    path("vat/file/", views.vat_file, name="vat_file"),
    path("closes/<int:close_id>/reopen/", views.vat_reopen, name="vat_reopen"),
]
