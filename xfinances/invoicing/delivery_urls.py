from django.urls import path

from xfinances.invoicing import delivery_views

app_name = "delivery"

urlpatterns = [
    path("send/", delivery_views.documents_send, name="documents_send"),
    path("<int:document_id>/", delivery_views.document_delivery, name="document"),
    path("<int:document_id>/send/", delivery_views.document_send, name="document_send"),
]
