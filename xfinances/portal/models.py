"""The clients' portal: who may sign in, links, sessions, the access log, publications and the
client's responses (accepted / returned) to documents.

Invariants kept here (the actions keep the rest, see docs/portal.md):
- A link token and a session key are stored only as SHA-256; the raw value exists only in the
  e-mailed link or the signed cookie.
- Every row carries the company and the party it belongs to; a portal session sees only rows of
  its own company AND party.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.core.text_limits import BoundedTextModel, text_length_check
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party

SIGN_IN_LINK_MINUTES = 30
DOCUMENT_LINK_DAYS = 60
SESSION_HOURS = 8


class PortalSettings(BoundedTextModel):
    """The portal's settings of one company (a missing row means the defaults)."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="+")
    auto_publish = models.BooleanField(
        _("publish documents in the portal when they are issued"), default=True
    )
    sign_in_link_minutes = models.PositiveIntegerField(
        _("sign-in links expire after (minutes)"), default=SIGN_IN_LINK_MINUTES
    )
    document_link_days = models.PositiveIntegerField(
        _("links in document e-mails expire after (days)"), default=DOCUMENT_LINK_DAYS
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def __str__(self) -> str:
        return f"portal settings of {self.company_id}"


class PortalAccess(BoundedTextModel):
    """An e-mail that has signed in (or been sent a link) for one party of one company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"))
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal access")
        ordering = ["company_id", "party_id", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "party", "email"], name="portal_access_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.party_id}"


class TokenPurpose(models.TextChoices):
    SIGN_IN = "sign_in", _("sign-in link")
    DOCUMENT = "document", _("link in a document e-mail")


class PortalLoginToken(BoundedTextModel):
    """A link that opens a portal session. Sign-in links work once; document links work until
    they expire (a client opens an invoice e-mail more than once)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    purpose = models.CharField(max_length=10, choices=TokenPurpose.choices)
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal link")
        ordering = ["company_id", "-created_at"]
        indexes = [models.Index(fields=["company", "party", "-created_at"], name="portal_token")]

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.party_id}"

    @property
    def is_one_time(self) -> bool:
        return self.purpose == TokenPurpose.SIGN_IN

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        moment = now or timezone.now()
        if self.expires_at <= moment:
            return False
        return not (self.is_one_time and self.used_at is not None)


class PortalSession(BoundedTextModel):
    """A signed-in client: one company and one party, nothing else. The browser holds the raw key
    in a signed cookie of its own (never Django's staff session)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    token = models.ForeignKey(
        PortalLoginToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal session")
        ordering = ["company_id", "-created_at"]
        indexes = [models.Index(fields=["company", "party", "-created_at"], name="portal_session")]

    def __str__(self) -> str:
        return f"session of {self.email or self.party_id}"


class AccessAction(models.TextChoices):
    SIGN_IN = "sign_in", _("signed in")
    SIGN_OUT = "sign_out", _("signed out")
    LINK_REQUESTED = "link_requested", _("requested a sign-in link")
    LINK_REFUSED = "link_refused", _("opened an expired or used link")
    VIEW_DOCUMENTS = "view_documents", _("viewed the documents")
    VIEW_DOCUMENT = "view_document", _("viewed a document")
    DOWNLOAD_PDF = "download_pdf", _("downloaded the PDF")
    DOWNLOAD_XML = "download_xml", _("downloaded the XML")
    VIEW_STATEMENT = "view_statement", _("viewed the account statement")
    ACCEPT = "accept", _("accepted a document")
    RETURN = "return", _("returned a document")


class PortalAccessLog(BoundedTextModel):
    """Every access to the portal: who, when, from where, what."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.CharField(max_length=254, blank=True)
    session = models.ForeignKey(
        PortalSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("portal access")
        verbose_name_plural = _("portal access log")
        ordering = ["company_id", "-at", "-id"]
        indexes = [
            models.Index(fields=["company", "party", "-at"], name="portal_log_party"),
            models.Index(fields=["company", "document", "-at"], name="portal_log_document"),
        ]

    def __str__(self) -> str:
        return f"{formatting.datetime(self.at)} {self.email} {self.action}"


class DocumentPublication(BoundedTextModel):
    """A document put in the portal by hand or by a document e-mail (auto-publish covers issued
    documents without a row). `withdrawn_at` hides it again."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal publication")
        ordering = ["company_id", "-published_at"]
        indexes = [models.Index(fields=["company", "document"], name="portal_publication")]

    def __str__(self) -> str:
        return f"published {self.document_id}"


class ResponseKind(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class DocumentResponse(BoundedTextModel):
    """The client's answer to a document: accepted, or returned with a reason. One per document."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("response"), max_length=10, choices=ResponseKind.choices)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    email = models.CharField(_("by"), max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [text_length_check("portal_documentresponse", "reason", 2000)]
        verbose_name = _("client's response to a document")
        ordering = ["company_id", "-created_at"]
        indexes = [models.Index(fields=["company", "party", "-created_at"], name="portal_response")]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"
