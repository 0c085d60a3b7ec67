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
    path("proposals/<int:proposal_id>/write-off/", views.write_off, name="write_off"),
    path("entries/<int:entry_id>/dismiss/", views.dismiss, name="dismiss"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/new/", views.profile_edit, name="profile_new"),
    path("profiles/<int:profile_id>/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:profile_id>/duplicate/", views.profile_duplicate, name="profile_duplicate"),
    path("profiles/<int:profile_id>/delete/", views.profile_delete, name="profile_delete"),
]
