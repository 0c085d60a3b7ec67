from django.urls import path

from xfinances.invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("totals/", views.totals_fragment, name="totals"),
    path("party-search/", views.party_search, name="party_search"),
    path("product-search/", views.product_search, name="product_search"),
    path("bulk/issue/", views.bulk_issue, name="bulk_issue"),
    path("bulk/pdf/", views.bulk_pdf, name="bulk_pdf"),
    path("recurring/", views.recurring_list, name="recurring_list"),
    path("recurring/new/", views.recurring_create, name="recurring_create"),
    path("recurring/<int:template_id>/", views.recurring_detail, name="recurring_detail"),
    path("recurring/<int:template_id>/edit/", views.recurring_edit, name="recurring_edit"),
    *[
        path(
            f"recurring/<int:template_id>/{what}/",
            views.recurring_action,
            {"what": what},
            name=f"recurring_{what}",
        )
        for what in ("pause", "resume", "run", "delete")
    ],
    path("series/", views.series_settings, name="series"),
    path("document-settings/", views.document_settings_save, name="document_settings"),
    path("print-settings/", views.print_settings, name="print_settings"),
    path("print-settings/preview/", views.print_preview, name="print_preview"),
    path("print-settings/template/", views.print_template, name="print_template"),
    *[
        path(
            f"series/<int:series_id>/{what}/",
            views.series_action,
            {"what": what},
            name=f"series_{what}",
        )
        for what in ("default", "rename", "deactivate")
    ],
    path("<int:document_id>/", views.document_detail, name="detail"),
    path("<int:document_id>/edit/", views.document_edit, name="edit"),
    path("<int:document_id>/pdf/", views.document_pdf, name="pdf"),
    path(
        "<int:document_id>/annulment-protocol/",
        views.annulment_protocol_pdf,
        name="annulment_protocol",
    ),
    path("<int:document_id>/issue/", views.document_issue, name="issue"),
    path("<int:document_id>/void/", views.document_void, name="void"),
    path(
        "<int:document_id>/void-and-reissue/",
        views.document_void_and_reissue,
        name="void_and_reissue",
    ),
    path("<int:document_id>/delete/", views.document_delete, name="delete"),
    path("<int:document_id>/convert/", views.document_convert, name="convert"),
    path("<int:document_id>/copy/", views.document_copy, name="copy"),
]
