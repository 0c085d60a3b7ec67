from django.urls import path

from xfinances.parties import views

app_name = "parties"
urlpatterns = [
    path("", views.party_list, name="list"),
]
