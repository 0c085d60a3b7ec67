"""The outbox (every e-mail and webhook call is a row first), e-mail templates, webhook endpoints,
the delivery log, and in-app notifications with their per-user preferences.

Invariants kept here (the actions and the worker keep the rest, see docs/delivery.md):
- An outbox row is created in the same transaction as the action that asked for it; the worker
  sends only rows it claimed with a conditional UPDATE (status queued → sending + claim token).
- `idempotency_key` is unique per company: asking twice for the same delivery queues one row.
- `message_id` is fixed when the row is created, so every attempt of one row carries the same
  Message-ID and a duplicate (should one ever happen) is identifiable at the receiver.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.parties.models import Party


def new_token() -> str:
    return secrets.token_urlsafe(24)


class TemplateKind(models.TextChoices):
    """The kinds of sales document that have an e-mail template: the same values as invoicing's
    `DocumentKind` (a test in invoicing keeps them equal), named here because the outbox sits
    below invoicing and cannot import it."""

    INVOICE = "invoice", _("Invoice")
    PROFORMA = "proforma", _("Proforma invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DEBIT_NOTE = "debit_note", _("Debit note")
    PROTOCOL = "protocol", _("Protocol (art. 117 ЗДДС)")


class TemplateLanguage(models.TextChoices):
    BULGARIAN = "bg", _("Bulgarian")
    ENGLISH = "en", _("English")


class DeliverySettings(BoundedTextModel):
    """A company's delivery settings (one row per company, created on first save)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    auto_send_on_issue = models.BooleanField(
        _("send documents by e-mail when they are issued"), default=False
    )
    reply_to = models.EmailField(
        _("reply-to address"),
        blank=True,
        help_text=_("Empty: the company's e-mail."),
    )
    track_opens = models.BooleanField(
        _("record when a client opens the e-mail (tracking image)"), default=False
    )
    attach_electronic_invoice = models.BooleanField(
        _("attach the e-invoice (UBL XML) to document e-mails"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery settings")
        verbose_name_plural = _("delivery settings")

    def __str__(self) -> str:
        return str(_("Delivery settings"))


class PartyAutoSend(models.TextChoices):
    COMPANY_DEFAULT = "", _("Company default")
    ALWAYS = "always", _("Always send on issue")
    NEVER = "never", _("Never send on issue")


class PartyDeliverySetting(BoundedTextModel):
    """A party's own auto-send choice, overriding the company's."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    auto_send = models.CharField(
        _("send on issue"), max_length=6, choices=PartyAutoSend.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("party delivery setting")
        constraints = [
            models.UniqueConstraint(fields=["company", "party"], name="party_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party_id}: {self.auto_send or '-'}"


class EmailTemplate(BoundedTextModel):
    """A company's own subject and bodies for one document kind in one language.

    Without a row, the built-in default (xfinances.notifications.default_templates) is used."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document_kind = models.CharField(
        _("document kind"), max_length=12, choices=TemplateKind.choices
    )
    language = models.CharField(_("language"), max_length=2, choices=TemplateLanguage.choices)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"), max_length=20000)
    body_html = models.TextField(_("HTML"), blank=True, max_length=100000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("e-mail template")
        ordering = ["company_id", "document_kind", "language"]
        constraints = [
            text_length_check("notifications_emailtemplate", "body_html", 100000),
            text_length_check("notifications_emailtemplate", "body_text", 20000),
            models.UniqueConstraint(
                fields=["company", "document_kind", "language"], name="email_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_kind}/{self.language}"


class WebhookEvent(models.TextChoices):
    """The value is the name another system reads in the call; the label is for a person."""

    DOCUMENT_ISSUED = "document.issued", _("A document is issued")
    DOCUMENT_UPDATED = "document.updated", _("A document is changed")
    DOCUMENT_VOIDED = "document.voided", _("A document is voided")
    DOCUMENT_DELIVERED = "document.delivered", _("A document is delivered")
    DOCUMENT_OVERDUE = "document.overdue", _("A document is overdue")
    PAYMENT_RECEIVED = "payment.received", _("A payment is received")
    PAYMENT_ALLOCATED = "payment.allocated", _("A payment is allocated")
    PAYMENT_DELETED = "payment.deleted", _("A payment recorded by mistake is taken back")


class WebhookEndpoint(BoundedTextModel):
    """A URL of another system (a CRM, a shop) that receives the events it chose."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_token)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        ordering = ["company_id", "id"]
        indexes = [models.Index(fields=["company", "is_active"], name="webhook_endpoint_company")]

    def __str__(self) -> str:
        return self.url


class MessageKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(BoundedTextModel):
    """One e-mail or one webhook call. `payload` holds everything needed to send it again:
    for an e-mail {to, reply_to, subject, text, html, attach_pdf, purpose}, for a webhook the
    JSON body (without the signature, which is made per attempt)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=7, choices=MessageKind.choices)
    status = models.CharField(
        _("status"), max_length=9, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    idempotency_key = models.CharField(max_length=200)
    event = models.CharField(_("event"), max_length=40, blank=True)
    # The sales document the message is about. Named by app label, not imported: the outbox
    # sits below invoicing (docs/ARCHITECTURE.md) and only keeps the reference.
    document = models.ForeignKey(
        "invoicing.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    tracking_token = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    give_up_at = models.DateTimeField()
    claim_token = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) right before the bytes go to the server: a crash after this point
    # leaves an uncertain outcome, which is never retried automatically (no duplicate).
    transmit_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, max_length=4000)
    last_response_code = models.IntegerField(null=True, blank=True)
    outcome_uncertain = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resend_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        ordering = ["company_id", "-created_at", "-id"]
        constraints = [
            text_length_check("notifications_outboxmessage", "last_error", 4000),
            models.UniqueConstraint(
                fields=["company", "idempotency_key"], name="outbox_idempotency_unique"
            ),
        ]
        indexes = [
            # The worker's claim: due queued rows, oldest first (all companies).
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["company", "status", "-created_at"], name="outbox_company"),
            models.Index(fields=["company", "document"], name="outbox_document"),
            models.Index(fields=["message_id"], name="outbox_message_id"),
            models.Index(fields=["tracking_token"], name="outbox_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject or self.event} ({self.status})"


class LogEvent(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    RETRY = "retry", _("attempt failed, will retry")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    OPENED = "opened", _("opened")
    DOWNLOADED = "downloaded", _("downloaded from the portal")
    BOUNCED = "bounced", _("bounced")
    UNCERTAIN = "uncertain", _("outcome unknown (worker stopped while sending)")


class DeliveryLogEntry(BoundedTextModel):
    """What happened to a message (and so to its document): the delivery log and the webhook
    attempt log (with the receiver's response code)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="log"
    )
    # The sales document the message is about. Named by app label, not imported: the outbox
    # sits below invoicing (docs/ARCHITECTURE.md) and only keeps the reference.
    document = models.ForeignKey(
        "invoicing.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event = models.CharField(_("event"), max_length=10, choices=LogEvent.choices)
    attempt = models.PositiveIntegerField(default=0)
    response_code = models.IntegerField(_("response code"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [text_length_check("notifications_deliverylogentry", "detail", 2000)]
        verbose_name = _("delivery log entry")
        ordering = ["company_id", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "document", "-created_at"], name="delivery_log_doc"),
            models.Index(fields=["company", "message"], name="delivery_log_message"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {formatting.datetime(self.created_at)}"


class NotificationKind(models.TextChoices):
    EMAIL_FAILED = "email_failed", _("An e-mail could not be delivered")
    WEBHOOK_FAILED = "webhook_failed", _("A webhook could not be delivered")
    DOCUMENT_RETURNED = "document_returned", _("A document came back (bounce)")
    AUTO_SEND_SKIPPED = "auto_send_skipped", _("A document was not sent automatically")
    BANK_SOURCE_REFUSED = "bank_source_refused", _("A bank statement file was refused")


class Notification(BoundedTextModel):
    """An item under the bell of one employee in one company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["company_id", "user_id", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "user", "read_at", "-created_at"], name="notif_user")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class NotificationPreference(BoundedTextModel):
    """Which kinds of notification an employee also wants by e-mail (the bell shows all)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    by_email = models.BooleanField(_("also by e-mail"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user", "kind"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.by_email}"
