from django.urls import path

from xfinances.parties import views

app_name = "parties"
urlpatterns = [
    path("", views.party_list, name="list"),
    path("new/", views.party_create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/<int:import_id>/", views.import_preview, name="import_preview"),
    path("import/<int:import_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:import_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("<int:party_id>/", views.party_detail, name="detail"),
    path("<int:party_id>/edit/", views.party_edit, name="edit"),
    path("<int:party_id>/archive/", views.party_archive, name="archive"),
    path("<int:party_id>/restore/", views.party_restore, name="restore"),
    path("<int:party_id>/contacts/", views.contact_add, name="contact_add"),
    path(
        "<int:party_id>/contacts/<int:contact_id>/remove/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("<int:party_id>/bank-accounts/", views.bank_add, name="bank_add"),
    path(
        "<int:party_id>/bank-accounts/<int:bank_account_id>/remove/",
        views.bank_remove,
        name="bank_remove",
    ),
]
