from django.urls import path

from xfinances.banking import payment_file_views, source_views, views

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
    path("entries/<int:entry_id>/file/", views.file_entry, name="file_entry"),
    path("entries/<int:entry_id>/typed/", views.take_typed, name="take_typed"),
    path("entries/<int:entry_id>/apart/", views.keep_apart, name="keep_apart"),
    path("entries/<int:entry_id>/part/", views.part_from_typed, name="part_from_typed"),
    path("entries/<int:entry_id>/match/", views.match_by_hand, name="match_by_hand"),
    path("sources/", source_views.sources, name="sources"),
    # One "new" page per kind, spelled out: the kind is not a record of the company.
    *[
        path(
            f"sources/{kind}/new/",
            source_views.source_new,
            {"source_kind": kind},
            name=f"new_{kind}",
        )
        for kind in ("mailbox", "folder", "connection")
    ],
    path(
        "sources/<str:source_kind>/<int:source_id>/", source_views.source_edit, name="source_edit"
    ),
    path(
        "sources/<str:source_kind>/<int:source_id>/delete/",
        source_views.source_delete,
        name="source_delete",
    ),
    path(
        "sources/<str:source_kind>/<int:source_id>/run/", source_views.source_run, name="source_run"
    ),
    path(
        "mailboxes/<int:mailbox_id>/sign-in/",
        source_views.mailbox_sign_in,
        name="mailbox_sign_in",
    ),
    # One callback for every mailbox of the company: the redirect URI registered at the provider.
    path("mail-sign-in/", source_views.mail_sign_in_done, name="mail_sign_in_done"),
    path("connections/<int:connection_id>/", source_views.connection, name="connection"),
    path(
        "connections/<int:connection_id>/renew/",
        source_views.connection_renew,
        name="connection_renew",
    ),
    path(
        "connections/<int:connection_id>/sca-done/",
        source_views.connection_sca_done,
        name="connection_sca_done",
    ),
    path(
        "payment-batches/<int:payment_batch_id>/file/",
        payment_file_views.payment_file,
        name="payment_file",
    ),
    path(
        "payment-files/<int:payment_file_id>/",
        payment_file_views.payment_file_download,
        name="payment_file_download",
    ),
    path("aliases/", views.aliases, name="aliases"),
    path("aliases/<int:alias_id>/forget/", views.alias_forget, name="alias_forget"),
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
