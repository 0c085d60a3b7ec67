"""The REST endpoints and the pages: send, outbox, webhooks, the bell, settings, templates."""

from __future__ import annotations

import pytest

from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.delivery_factories import SYSTEM, issued_to
from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications import actions, outbox
from xfinances.notifications.models import (
    EmailTemplate,
    MessageStatus,
    Notification,
    NotificationKind,
    OutboxMessage,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


def test_api_send_queues_and_is_idempotent(company, api_as):
    api = api_as(company, "sales")
    document = issued_to(company)
    response = api.client.post(
        f"/api/v1/documents/{document.pk}/send",
        {},
        content_type="application/json",
        headers={**api._headers(), "Idempotency-Key": "k-1"},
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["document_id"] == document.pk
    assert sorted(body["recipients"]) == [
        "accounting@client.example.bg",
        "office@client.example.bg",
    ]
    again = api.client.post(
        f"/api/v1/documents/{document.pk}/send",
        {},
        content_type="application/json",
        headers={**api._headers(), "Idempotency-Key": "k-1"},
    )
    assert again.json()["id"] == body["id"]
    assert OutboxMessage.objects.filter(company=company, kind="email").count() == 1
    log = api.get(f"/documents/{document.pk}/delivery").json()
    assert [entry["event"] for entry in log] == ["queued"]


def test_api_send_without_email_is_422_naming_recipients(company, api_as):
    api = api_as(company)
    document = issued_to(company, party=bg_client(company, email=""))
    response = api.post(f"/documents/{document.pk}/send")
    assert response.status_code == 422
    assert "recipients" in response.json()["errors"]
    assert not OutboxMessage.objects.filter(company=company, kind="email").exists()


def test_api_send_needs_the_send_permission(company, api_as):
    document = issued_to(company)
    assert api_as(company, "viewer").post(f"/documents/{document.pk}/send").status_code == 403


def test_api_webhooks_crud_and_invalid_url(company, api_as):
    api = api_as(company)
    bad = api.post("/webhooks", {"url": "javascript:alert(1)", "events": ["document.issued"]})
    assert bad.status_code == 422 and "url" in bad.json()["errors"]
    created = api.post(
        "/webhooks", {"url": "https://crm.example.com/x", "events": ["document.issued"]}
    )
    assert created.status_code == 201
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    changed = api.patch(
        f"/webhooks/{hook['id']}", {"events": ["payment.received"], "rotate_secret": True}
    ).json()
    assert changed["events"] == ["payment.received"] and changed["secret"] != hook["secret"]
    test = api.post(f"/webhooks/{hook['id']}/test")
    assert test.status_code == 202 and test.json()["event"] == "ping"
    assert [m["event"] for m in api.get(f"/webhooks/{hook['id']}/deliveries").json()] == ["ping"]
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert not WebhookEndpoint.objects.filter(company=company).exists()
    assert api_as(company, "accountant").get("/webhooks").status_code == 403


def test_api_outbox_lists_failed_and_resends(company, api_as, settings):
    settings.NOTIFICATIONS_GIVE_UP_HOURS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    message = delivery.send_document(SYSTEM, issued_to(company))
    outbox.run()
    api = api_as(company)
    failed = api.get("/outbox", status="failed").json()
    assert [m["id"] for m in failed] == [message.pk]
    assert failed[0]["last_error"]
    again = api.post(f"/outbox/{message.pk}/resend")
    assert again.status_code == 202 and again.json()["status"] == "queued"


def english(company) -> None:
    from xfinances.core.models import User

    User.objects.filter(memberships__company=company).update(language="en")


def test_document_page_send_button_and_refusal(company, client_as):
    client = client_as(company, "sales")
    english(company)
    document = issued_to(company)
    page = client.get(f"/c/{company.eik}/delivery/documents/{document.pk}/")
    assert "office@client.example.bg" in page.content.decode()
    response = client.post(f"/c/{company.eik}/delivery/documents/{document.pk}/send/", follow=True)
    assert "The e-mail is queued." in response.content.decode()
    assert OutboxMessage.objects.filter(document=document, kind="email").count() == 1

    lacking = issued_to(company, party=bg_client(company, email="", name="Без Поща ООД"))
    response = client.post(f"/c/{company.eik}/delivery/documents/{lacking.pk}/send/", follow=True)
    assert "has no e-mail for documents" in response.content.decode()
    assert not OutboxMessage.objects.filter(document=lacking, kind="email").exists()


def test_bulk_send_from_the_list(company, client_as):
    client = client_as(company)
    documents = [issued_to(company) for _ in range(3)]
    client.post(
        f"/c/{company.eik}/delivery/documents/send/",
        {"documents": [d.pk for d in documents]},
    )
    assert OutboxMessage.objects.filter(company=company, kind="email").count() == 3


def test_settings_page_lists_clients_without_email_and_saves(company, client_as):
    client = client_as(company)
    bg_client(company, email="", name="Няма Имейл ЕООД")
    page = client.get(f"/c/{company.eik}/delivery/settings/").content.decode()
    assert "Няма Имейл ЕООД" in page
    client.post(
        f"/c/{company.eik}/delivery/settings/",
        {"auto_send_on_issue": "on", "reply_to": "not-an-email"},
    )
    assert not actions.delivery_settings(company).auto_send_on_issue  # refused as a whole
    client.post(
        f"/c/{company.eik}/delivery/settings/",
        {"auto_send_on_issue": "on", "reply_to": "sales@alfa.example.bg"},
    )
    assert actions.delivery_settings(company).auto_send_on_issue


def test_template_page_saves_and_refuses_unknown_placeholders(company, client_as):
    client = client_as(company)
    english(company)
    url = f"/c/{company.eik}/delivery/templates/?kind=invoice&language=en"
    assert "Please find attached" in client.get(url).content.decode()
    bad = client.post(
        f"/c/{company.eik}/delivery/templates/",
        {"kind": "invoice", "language": "en", "subject": "{nope}", "body_text": "x"},
    )
    assert "Unknown placeholders" in bad.content.decode()
    client.post(
        f"/c/{company.eik}/delivery/templates/",
        {"kind": "invoice", "language": "en", "subject": "Inv {number}", "body_text": "Hi"},
    )
    assert EmailTemplate.objects.get(company=company, language="en").subject == "Inv {number}"
    assert client.get(f"/c/{company.eik}/delivery/templates/?kind=x&language=en").status_code == 404


def test_bell_shows_unread_and_marks_read(company, client_as, owner):
    client = client_as(company)
    actions.notify(company, [owner], NotificationKind.EMAIL_FAILED, "Писмото не стигна")
    bell = client.get(f"/c/{company.eik}/delivery/notifications/bell/").content.decode()
    assert 'data-unread="1"' in bell and "Писмото не стигна" in bell
    client.post(f"/c/{company.eik}/delivery/notifications/read/", headers={"HX-Request": "true"})
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    bell = client.get(f"/c/{company.eik}/delivery/notifications/bell/").content.decode()
    assert "data-unread" not in bell


def test_preference_by_email_queues_an_email_for_the_notification(company, client_as, owner):
    client = client_as(company)
    client.post(
        f"/c/{company.eik}/delivery/notifications/preferences/", {"by_email": ["email_failed"]}
    )
    actions.notify(company, [owner], NotificationKind.EMAIL_FAILED, "Писмото не стигна")
    actions.notify(company, [owner], NotificationKind.WEBHOOK_FAILED, "Webhook")
    mails = OutboxMessage.objects.filter(company=company, kind="email")
    assert [m.recipients for m in mails] == [[owner.email]]
    assert mails[0].status == MessageStatus.QUEUED


def test_outbox_page_shows_resend_for_failed(company, client_as, settings):
    settings.NOTIFICATIONS_GIVE_UP_HOURS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    message = delivery.send_document(SYSTEM, issued_to(company))
    outbox.run()
    client = client_as(company)
    page = client.get(f"/c/{company.eik}/delivery/?status=failed").content.decode()
    assert f"/delivery/outbox/{message.pk}/resend/" in page
    client.post(f"/c/{company.eik}/delivery/outbox/{message.pk}/resend/")
    assert OutboxMessage.objects.filter(resend_of=message).count() == 1
    viewer = client_as(company, "viewer")
    assert viewer.get(f"/c/{company.eik}/delivery/").status_code == 403


def test_notification_text_is_in_each_users_language(company, make_member):
    from django.utils.translation import gettext

    from xfinances.core.models import User

    english_user = make_member(company, "owner", "en@alfa.example.bg")
    User.objects.filter(pk=english_user.pk).update(language="en")
    english_user.refresh_from_db()
    actions.notify(company, [english_user], NotificationKind.EMAIL_FAILED, lambda: gettext("Sent"))
    assert Notification.objects.get(user=english_user).text == "Sent"
