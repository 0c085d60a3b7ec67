from django.urls import path

from xfinances.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_create, name="create"),
    path("<int:product_id>/edit/", views.product_edit, name="edit"),
    path("<int:product_id>/archive/", views.product_archive, name="archive"),
    path("<int:product_id>/restore/", views.product_restore, name="restore"),
    path("vat-treatments/", views.vat_treatment_list, name="vat_treatments"),
    path("vat-treatments/new/", views.vat_treatment_create, name="vat_treatment_create"),
    path("vat-treatments/<int:treatment_id>/", views.vat_treatment_edit, name="vat_treatment_edit"),
]
