from django.urls import path

from xfinances.banking import views

app_name = "banking"
urlpatterns = [
    path("", views.statements, name="statements"),
    path("upload/", views.upload, name="upload"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path("review/", views.review, name="review"),
    path("review/match/", views.match_now, name="match"),
    path("proposals/<int:proposal_id>/accept/", views.accept, name="accept"),
    path("proposals/<int:proposal_id>/undo/", views.undo, name="undo"),
    path("entries/<int:entry_id>/dismiss/", views.dismiss, name="dismiss"),
]
