"""Every write of the portal. Staff actions check a permission; client actions take a
`PortalActor` and the client's `PortalSession`, and touch only that session's company and party.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company, Source, hash_token
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.events import DocumentUpdated
from xfinances.invoicing.models import DeliveredVia, Document, DocumentStatus
from xfinances.notifications import actions as outbox
from xfinances.parties.models import Party
from xfinances.portal.models import (
    SESSION_HOURS,
    AccessAction,
    DocumentPublication,
    DocumentResponse,
    PortalAccess,
    PortalAccessLog,
    PortalLoginToken,
    PortalSession,
    PortalSettings,
    ResponseKind,
    TokenPurpose,
)
from xfinances.portal.queries import settings_of

MAX_REASON = limit_of(DocumentResponse, "reason")


@dataclass(frozen=True)
class PortalActor(Actor):
    """A client acting in the portal: no user account, known by the e-mail it signed in with."""

    email: str = ""

    @property
    def label(self) -> str:
        return f"portal: {self.email}" if self.email else "[portal]"


def portal_actor(email: str, ip_address: str | None) -> PortalActor:
    return PortalActor(user=None, source=Source.UI, ip_address=ip_address, email=email)


# --- staff ---------------------------------------------------------------------------------------


@transaction.atomic
def change_settings(
    actor: Actor,
    company: Company,
    *,
    auto_publish: bool,
    sign_in_link_minutes: int,
    document_link_days: int,
) -> PortalSettings:
    ensure_can(actor, company, "portal.manage")
    errors = InvalidInput.collect()
    if not 5 <= int(sign_in_link_minutes) <= 24 * 60:
        errors.add("sign_in_link_minutes", _("Between 5 minutes and 24 hours."))
    if not 1 <= int(document_link_days) <= 365:
        errors.add("document_link_days", _("Between 1 and 365 days."))
    errors.raise_if_any()
    found = PortalSettings.objects.select_for_update().filter(company=company).first()
    if found is None:
        found = PortalSettings.objects.create(
            company=company,
            auto_publish=auto_publish,
            sign_in_link_minutes=sign_in_link_minutes,
            document_link_days=document_link_days,
        )
        audit.record_create(actor, company, "portal.settings", found)
        return found
    before = audit.snapshot(found)
    found.auto_publish = auto_publish
    found.sign_in_link_minutes = sign_in_link_minutes
    found.document_link_days = document_link_days
    found.save()
    audit.record_update(actor, company, "portal.settings", found, before)
    return found


@transaction.atomic
def publish_document(actor: Actor, document: Document) -> DocumentPublication:
    """Put an issued (or voided) document in the portal; withdrawing is undone."""
    company = document.company
    ensure_can(actor, company, "portal.manage")
    if document.status == DocumentStatus.DRAFT or document.party_id is None:
        raise Conflict(_("Only an issued document of a party can be published in the portal."))
    publication, created = DocumentPublication.objects.get_or_create(
        company=company, document=document
    )
    if not created and publication.withdrawn_at is None:
        return publication
    publication.published_at = timezone.now()
    publication.withdrawn_at = None
    publication.save()
    audit.record_event(actor, company, "portal.publish", document)
    return publication


@transaction.atomic
def withdraw_document(actor: Actor, document: Document) -> DocumentPublication:
    """Hide a document from the portal (also one that auto-publish would show)."""
    company = document.company
    ensure_can(actor, company, "portal.manage")
    publication, _created = DocumentPublication.objects.get_or_create(
        company=company, document=document
    )
    if publication.withdrawn_at is None:
        publication.withdrawn_at = timezone.now()
        publication.save()
        audit.record_event(actor, company, "portal.withdraw", document)
    return publication


# --- links ---------------------------------------------------------------------------------------


def _new_token(
    company: Company,
    party: Party,
    email: str,
    purpose: str,
    lifetime: dt.timedelta,
    document: Document | None = None,
) -> str:
    raw = secrets.token_urlsafe(32)
    PortalLoginToken.objects.create(
        company=company,
        party=party,
        email=email,
        purpose=purpose,
        document=document,
        token_hash=hash_token(raw),
        expires_at=timezone.now() + lifetime,
    )
    return raw


@transaction.atomic
def create_sign_in_token(company: Company, party: Party, email: str) -> str:
    """A one-time sign-in token for `email` at `party` (raw value; only its hash is kept)."""
    if party.company_id != company.pk:
        raise InvalidInput({"party": [_("This party belongs to another company.")]})
    minutes = settings_of(company).sign_in_link_minutes
    email = (email or "").strip().lower()
    PortalAccess.objects.get_or_create(company=company, party=party, email=email)
    return _new_token(company, party, email, TokenPurpose.SIGN_IN, dt.timedelta(minutes=minutes))


@transaction.atomic
def create_document_token(document: Document, email: str = "") -> str:
    """A long-lived token that opens the portal on `document` (for document e-mails). Sending a
    document by e-mail publishes it, even when auto-publish is off."""
    if document.party_id is None or document.status == DocumentStatus.DRAFT:
        raise InvalidInput({"document": [_("Only an issued document of a party has a link.")]})
    company = document.company
    days = settings_of(company).document_link_days
    publication, created = DocumentPublication.objects.get_or_create(
        company=company, document=document
    )
    if not created and publication.withdrawn_at is not None:
        publication.withdrawn_at = None
        publication.published_at = timezone.now()
        publication.save()
    party = Party.objects.get(company=company, pk=document.party_id)
    return _new_token(
        company,
        party,
        (email or "").strip().lower(),
        TokenPurpose.DOCUMENT,
        dt.timedelta(days=days),
        document=document,
    )


def find_token(company: Company, raw: str) -> PortalLoginToken | None:
    """The token of this company with this raw value (used, expired or not)."""
    if not raw or len(raw) > 100:
        return None
    return (
        PortalLoginToken.objects.select_related("party", "document")
        .filter(company=company, token_hash=hash_token(raw))
        .first()
    )


@dataclass(frozen=True)
class OpenedSession:
    session: PortalSession
    raw_key: str
    document_id: int | None


@transaction.atomic
def open_session(
    company: Company,
    raw_token: str,
    *,
    ip_address: str | None,
    user_agent: str = "",
    path: str = "",
) -> OpenedSession | None:
    """Trade a link for a portal session. None (and a log row) when the link is unknown, expired,
    used (sign-in links work once) or its party is archived."""
    token = (
        PortalLoginToken.objects.select_for_update()
        .filter(company=company, token_hash=hash_token(raw_token or ""))
        .first()
    )
    now = timezone.now()
    if token is None or not token.is_usable(now) or token.party.is_archived:
        PortalAccessLog.objects.create(
            company=company,
            party=token.party if token else None,
            email=token.email if token else "",
            action=AccessAction.LINK_REFUSED,
            ip_address=ip_address,
            user_agent=user_agent[:300],
            path=path[:500],
        )
        return None
    if token.is_one_time or token.used_at is None:
        token.used_at = now
        token.save(update_fields=["used_at"])
    raw_key = secrets.token_urlsafe(32)
    session = PortalSession.objects.create(
        company=company,
        party=token.party,
        email=token.email,
        key_hash=hash_token(raw_key),
        token=token,
        expires_at=now + dt.timedelta(hours=SESSION_HOURS),
    )
    if token.email:
        PortalAccess.objects.filter(company=company, party=token.party, email=token.email).update(
            last_sign_in_at=now
        )
    PortalAccessLog.objects.create(
        company=company,
        party=token.party,
        email=token.email,
        session=session,
        document=token.document,
        action=AccessAction.SIGN_IN,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        path=path[:500],
    )
    return OpenedSession(session, raw_key, token.document_id)


@transaction.atomic
def end_session(session: PortalSession, *, ip_address: str | None) -> None:
    PortalSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    log_access(session, AccessAction.SIGN_OUT, ip_address=ip_address)


_DELIVERED_BY: dict[str, str] = {
    AccessAction.VIEW_DOCUMENT: DeliveredVia.PORTAL_VIEW,
    AccessAction.DOWNLOAD_PDF: DeliveredVia.PORTAL_DOWNLOAD,
    AccessAction.DOWNLOAD_XML: DeliveredVia.PORTAL_DOWNLOAD,
    AccessAction.ACCEPT: DeliveredVia.ACCEPTED,
}


def reset_acceptance_on_update(event: DocumentUpdated) -> None:
    """IN_TRANSACTION subscriber of `DocumentUpdated`: a document corrected after the client
    accepted it is no longer accepted (the client answers the corrected one again)."""
    document = event.document
    found = DocumentResponse.objects.filter(
        company_id=document.company_id, document_id=document.pk, kind=ResponseKind.ACCEPTED
    )
    for response in found:
        audit.record_delete(event.actor, document.company, "portal.acceptance_reset", response)
        response.delete()


def log_access(
    session: PortalSession,
    action: str,
    *,
    ip_address: str | None,
    document: Document | None = None,
    path: str = "",
    user_agent: str = "",
) -> PortalAccessLog:
    """One row of the access log (a write of its own: a view is logged even when nothing else
    is written). Opening, downloading or accepting a document also records that it reached
    the client (invoicing: no silent edit afterwards)."""
    via = _DELIVERED_BY.get(action)
    if document is not None and via:
        invoicing_actions.mark_delivered(Actor.system(Source.PORTAL), document, via)
    return PortalAccessLog.objects.create(
        company_id=session.company_id,
        party_id=session.party_id,
        email=session.email,
        session=session,
        document=document,
        action=action,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        path=path[:500],
    )


# --- sign-in requests ---------------------------------------------------------------------------


def parties_for_email(company: Company, email: str) -> list[Party]:
    """Active parties of `company` whose main e-mail or a contact's e-mail is `email`."""
    address = (email or "").strip()
    if not address:
        return []
    return list(
        Party.objects.filter(company=company, is_archived=False)
        .filter(Q(email__iexact=address) | Q(contacts__email__iexact=address))
        .distinct()
        .order_by("name", "id")
    )


def url_for_token(company: Company, raw_token: str) -> str:
    """The absolute URL (settings.BASE_URL) that trades `raw_token` for a portal session."""
    path = reverse("portal:link", kwargs={"eik": company.eik, "token": raw_token})
    return f"{settings.BASE_URL}{path}"


@transaction.atomic
def request_sign_in(
    company: Company, email: str, *, ip_address: str | None, language: str = ""
) -> int:
    """Send a sign-in link to `email` for each party of `company` it belongs to (after commit).
    Returns how many links were sent; callers must answer the same whatever it returns."""
    address = (email or "").strip().lower()
    parties = parties_for_email(company, address)
    urls = []
    for party in parties:
        raw = create_sign_in_token(company, party, address)
        urls.append((party.name, url_for_token(company, raw)))
        PortalAccessLog.objects.create(
            company=company,
            party=party,
            email=address,
            action=AccessAction.LINK_REQUESTED,
            ip_address=ip_address,
        )
    if not parties:
        PortalAccessLog.objects.create(
            company=company,
            email=address[:254],
            action=AccessAction.LINK_REQUESTED,
            ip_address=ip_address,
            path="unknown address",
        )
    if urls:
        minutes = settings_of(company).sign_in_link_minutes
        subject = _("Your sign-in link to %(company)s") % {"company": company.name}
        body = "\n\n".join(
            [
                _("Open this link to see your documents from %(company)s:")
                % {"company": company.name},
                *[f"{name}:\n{url}" for name, url in urls],
                _("The link works once and expires in %(minutes)s minutes.") % {"minutes": minutes},
                _("If you did not ask for it, ignore this e-mail."),
            ]
        )
        # Sent directly, not through the outbox: the link carries a raw token, which must not
        # rest in the database. robust: a mail server that is down must not turn the committed
        # request into a 500 (whose answer would differ from an unknown address's); the
        # failure is logged and the client asks again.
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]),
            robust=True,
        )
    return len(urls)


# --- client responses ---------------------------------------------------------------------------


def _notify_company(response: DocumentResponse) -> None:
    """An in-app notification (the bell) for the issuer and the owners, in the caller's
    transaction."""
    document = response.document
    company = document.company
    users = outbox.issuer_and_owners(document, company)
    if response.kind == ResponseKind.RETURNED:
        text = _("%(party)s returned %(doc)s: %(reason)s") % {
            "party": document.recipient_name,
            "doc": str(document),
            "reason": response.reason,
        }
    else:
        text = _("%(party)s accepted %(doc)s.") % {
            "party": document.recipient_name,
            "doc": str(document),
        }
    link = reverse("invoicing:detail", kwargs={"eik": company.eik, "document_id": document.pk})
    outbox.notify(company, users, f"portal_{response.kind}", text, link=link)


def record_download(document: Document) -> None:
    """Tell the delivery log that the client downloaded the document's PDF from the portal."""
    delivery.record_portal_download(document, "portal")


@transaction.atomic
def respond_to_document(
    actor: PortalActor,
    session: PortalSession,
    document: Document,
    *,
    kind: str,
    reason: str = "",
) -> DocumentResponse:
    """The client accepts the document, or returns it with a reason. Once per document."""
    if document.company_id != session.company_id or document.party_id != session.party_id:
        raise InvalidInput({"document": [_("No such document.")]})
    if kind not in ResponseKind.values:
        raise InvalidInput({"kind": [_("Choose to accept or to return the document.")]})
    reason = (reason or "").strip()
    if kind == ResponseKind.RETURNED and not reason:
        raise InvalidInput({"reason": [_("Tell us why you return the document.")]})
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": [_("At most %(count)s characters.") % {"count": MAX_REASON}]})
    if document.status != DocumentStatus.ISSUED:
        raise Conflict(_("A voided document cannot be accepted or returned."))
    if DocumentResponse.objects.filter(company_id=session.company_id, document=document).exists():
        raise Conflict(_("You have already answered this document."))
    try:
        with transaction.atomic():
            response = DocumentResponse.objects.create(
                company_id=session.company_id,
                party_id=session.party_id,
                document=document,
                kind=kind,
                reason=reason,
                email=session.email,
                ip_address=actor.ip_address,
            )
    except IntegrityError:
        raise Conflict(_("You have already answered this document.")) from None
    audit.record_event(
        actor,
        document.company,
        f"portal.document_{kind}",
        document,
        {"email": session.email, "reason": reason},
    )
    log_access(
        session,
        AccessAction.ACCEPT if kind == ResponseKind.ACCEPTED else AccessAction.RETURN,
        ip_address=actor.ip_address,
        document=document,
    )
    _notify_company(response)
    return response
