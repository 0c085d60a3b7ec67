from django.urls import path

from xfinances.banking import source_views, views

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
    path("sources/", source_views.sources, name="sources"),
    path("sources/<str:kind>/new/", source_views.source_new, name="source_new"),
    path("sources/<str:kind>/<int:pk>/", source_views.source_edit, name="source_edit"),
    path("sources/<str:kind>/<int:pk>/delete/", source_views.source_delete, name="source_delete"),
    path("sources/<str:kind>/<int:pk>/run/", source_views.source_run, name="source_run"),
    path("connections/<int:pk>/", source_views.connection, name="connection"),
    path("connections/<int:pk>/renew/", source_views.connection_renew, name="connection_renew"),
    path(
        "connections/<int:pk>/sca-done/",
        source_views.connection_sca_done,
        name="connection_sca_done",
    ),
]
