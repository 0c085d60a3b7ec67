from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from xfinances.core import views
from xfinances.core.forms import EmailAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("healthz", views.healthz, name="healthz"),
    path("c/<str:eik>/", views.dashboard, name="dashboard"),
    path("c/<str:eik>/area/<slug:area>/", views.area, name="area"),
    path("c/<str:eik>/settings/", views.company_settings, name="company_settings"),
    path("c/<str:eik>/settings/bank-accounts/", views.add_bank_account, name="add_bank_account"),
    path(
        "c/<str:eik>/settings/bank-accounts/<int:account_id>/delete/",
        views.delete_bank_account,
        name="delete_bank_account",
    ),
    path("c/<str:eik>/members/", views.members, name="members"),
    path("c/<str:eik>/members/<int:membership_id>/", views.member_role, name="member_role"),
    path(
        "c/<str:eik>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"
    ),
    path("c/<str:eik>/audit/", views.audit_log, name="audit_log"),
    path("c/<str:eik>/rates/", views.rates, name="rates"),
    path("c/<str:eik>/rates/import/", views.rates_import, name="rates_import"),
    # Browsers ask for /favicon.ico on their own; answer with the icon, not a 404.
    path("favicon.ico", RedirectView.as_view(url=static("xfinances/favicon.svg"), permanent=True)),
    path("signup/", views.sign_up, name="sign_up"),
    path("companies/new/", views.company_new, name="company_new"),
    path("c/<str:eik>/search/", views.search, name="search"),
]
