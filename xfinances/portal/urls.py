from django.urls import path

from xfinances.portal import views

app_name = "portal"
urlpatterns = [
    # Public: no company data (the company comes in the form or the token).
    path("sign-in/", views.request_link, name="request_link"),
    path("language/", views.switch_language, name="language"),
    # Staff pages (company members, /portal/manage/<eik>/…).
    path("manage/<str:eik>/", views.manage_settings, name="manage_settings"),
    path(
        "manage/<str:eik>/documents/<int:document_id>/publish/",
        views.manage_publish,
        name="manage_publish",
    ),
    # The client's portal: 403 (with the sign-in form) without a portal session of this company.
    path("<str:eik>/", views.home, name="home"),
    path("<str:eik>/link/<str:token>/", views.open_link, name="link"),
    path("<str:eik>/sign-out/", views.sign_out, name="sign_out"),
    path("<str:eik>/statement/", views.account_statement, name="statement"),
    path("<str:eik>/documents/<int:document_id>/", views.document_detail, name="document"),
    path("<str:eik>/documents/<int:document_id>/pdf/", views.document_pdf, name="pdf"),
    path("<str:eik>/documents/<int:document_id>/xml/", views.document_xml, name="xml"),
    path(
        "<str:eik>/documents/<int:document_id>/respond/",
        views.document_respond,
        name="respond",
    ),
]
