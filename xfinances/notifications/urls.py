from django.urls import path

from xfinances.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.outbox_list, name="outbox"),
    path("outbox/<int:message_id>/", views.message_detail, name="message"),
    path("outbox/<int:message_id>/resend/", views.message_resend, name="resend"),
    path("outbox/<int:message_id>/cancel/", views.message_cancel, name="cancel"),
    path("settings/", views.delivery_settings_page, name="settings"),
    path("settings/parties/<int:party_id>/", views.party_auto_send, name="party_auto_send"),
    path("templates/", views.template_edit, name="template"),
    path("templates/reset/", views.template_reset, name="template_reset"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook_detail, name="webhook"),
    path("webhooks/<int:endpoint_id>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/preferences/", views.preferences, name="preferences"),
]
