"""A statement mailbox's OAuth2 sign-in in the browser (authorization code with PKCE, RFC 6749
section 4.1 and RFC 7636), instead of pasting a refresh token got elsewhere.

`start_sign_in` makes the authorization request: a random `state` bound to the user, to their
browser session (when started from a page) and to the mailbox, and a PKCE verifier whose S256
challenge goes with the request; it is kept as a `MailSignIn` row, used once, for
`SIGN_IN_MINUTES`. The provider sends the browser back to the company's callback page with a
code (or an error); `finish_sign_in` refuses a state it does not know (another company's is
not known here), another user's, another session's, an expired or a used one, then trades the
code and the verifier for tokens at the mailbox's token endpoint and stores the refresh token
sealed, as a pasted one is. A refusal by the provider (`access_denied`, an error of the token
endpoint) changes nothing but the sign-in's own row, which is spent.

The HTTP call is made outside any transaction; the token is stored in a short one with the
audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import secretbox
from xfinances.banking.actions.sources import REFRESH_TOKEN_CHARS
from xfinances.banking.models import MailAuth, MailSignIn, StatementMailbox, SyncStatus
from xfinances.banking.sources import mail_oauth
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, reads, text
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of

SIGN_IN_MINUTES = 10
PENDING_PER_MAILBOX = 5  # the newest sign-ins not yet answered; older ones are dropped


@dataclass(frozen=True, kw_only=True)
class SignInAnswerInput(ActionInput):
    """What the provider sent back in the callback's query (RFC 6749 section 4.1.2)."""

    state: str = reads(text(max_length=200), default="")
    code: str = reads(text(max_length=4000), default="")
    error: str = reads(text(max_length=200), default="")
    error_description: str = reads(text(max_length=1000), default="")


@dataclass(frozen=True)
class SignInStart:
    authorization_url: str
    redirect_uri: str
    expires_at: dt.datetime


class SignInRefused(InvalidInput):
    """The callback refused; `mailbox_id` names the mailbox when the sign-in was found."""

    def __init__(self, message: str, mailbox_id: int | None = None, field: str = "sign_in"):
        super().__init__(message, field=field)
        self.mailbox_id = mailbox_id


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def callback_url(company: Company) -> str:
    """The redirect URI registered at the provider: one per company (not per mailbox), on the
    server's public address (`BASE_URL`), as the bank's redirect of a PSD2 consent."""
    return settings.BASE_URL + reverse("banking:mail_sign_in_done", args=[company.eik])


def _scope(mailbox: StatementMailbox) -> str:
    return mailbox.oauth_scope or mail_oauth.default_scope(
        mailbox.oauth_authorize_url, mailbox.protocol
    )


def start_sign_in(actor: Actor, mailbox: StatementMailbox, *, session_key: str = "") -> SignInStart:
    """The provider's address to send the owner's browser to. Refused, naming the setting,
    when the mailbox is not set up for an OAuth2 sign-in in the browser."""
    company = mailbox.company
    ensure_can(actor, company, "treasury.change")
    if actor.user is None:
        raise InvalidInput(_("Only a person can sign in at the mail provider."), field="sign_in")
    errors = InvalidInput.collect()
    if mailbox.auth != MailAuth.OAUTH2:
        errors.add("auth", _("Choose the OAuth2 sign-in and save first."))
    else:
        if not mailbox.oauth_authorize_url:
            errors.add("oauth_authorize_url", _("Give the provider's authorization endpoint."))
        if not mailbox.oauth_token_url:
            errors.add("oauth_token_url", _("Fill this in."))
        if not mailbox.oauth_client_id:
            errors.add("oauth_client_id", _("Fill this in."))
    errors.raise_if_any()
    now = timezone.now()
    state, verifier = mail_oauth.new_state(), mail_oauth.new_verifier()
    redirect_uri = callback_url(company)
    with transaction.atomic():
        # Bounded: answered and expired sign-ins go, and only the newest few stay pending.
        MailSignIn.objects.filter(company=company, mailbox=mailbox, expires_at__lte=now).delete()
        MailSignIn.objects.filter(company=company, mailbox=mailbox, used_at__isnull=False).delete()
        keep = MailSignIn.objects.filter(company=company, mailbox=mailbox).order_by("-pk")
        stale = list(keep.values_list("pk", flat=True)[PENDING_PER_MAILBOX - 1 :])
        MailSignIn.objects.filter(pk__in=stale).delete()
        pending = MailSignIn.objects.create(
            company=company,
            mailbox=mailbox,
            user=actor.user,
            state_hash=_digest(state),
            session_hash=_digest(session_key) if session_key else "",
            verifier=secretbox.seal(verifier),
            redirect_uri=redirect_uri,
            expires_at=now + dt.timedelta(minutes=SIGN_IN_MINUTES),
        )
    url = mail_oauth.authorization_url(
        mailbox.oauth_authorize_url,
        client_id=mailbox.oauth_client_id,
        redirect_uri=redirect_uri,
        scope=_scope(mailbox),
        state=state,
        code_challenge=mail_oauth.challenge_of(verifier),
        login_hint=mailbox.username if "@" in mailbox.username else "",
    )
    return SignInStart(url, redirect_uri, pending.expires_at)


def _pending(
    actor: Actor, company: Company, answer: SignInAnswerInput, session_key: str
) -> MailSignIn:
    """The sign-in the answer belongs to, claimed (used once), or a refusal."""
    if not answer.state:
        raise SignInRefused(_("The provider's answer carries no state: start the sign-in again."))
    found = MailSignIn.objects.filter(company=company, state_hash=_digest(answer.state)).first()
    if found is None:  # unknown, dropped, or another company's: not told apart
        raise SignInRefused(
            _("This sign-in is not known here: start it again from the mailbox's page.")
        )
    mailbox_id = found.mailbox_id
    if actor.user is None or found.user_id != actor.user.pk:
        raise SignInRefused(
            _("This sign-in was started by another user: start your own."), mailbox_id
        )
    if found.session_hash and found.session_hash != _digest(session_key or ""):
        raise SignInRefused(
            _("This sign-in was started in another browser session: start it again here."),
            mailbox_id,
        )
    now = timezone.now()
    if found.used_at is not None:
        raise SignInRefused(_("This sign-in was already used: start it again."), mailbox_id)
    if found.expires_at <= now:
        raise SignInRefused(
            _("This sign-in expired (it is valid for %(minutes)d minutes): start it again.")
            % {"minutes": SIGN_IN_MINUTES},
            mailbox_id,
        )
    # Claimed before the code is traded: two answers with one state cannot both be used.
    if not MailSignIn.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=now):
        raise SignInRefused(_("This sign-in was already used: start it again."), mailbox_id)
    return found


def _refresh_token(tokens: mail_oauth.Tokens, mailbox_id: int) -> str:
    """The refresh token of the answer, sealed; refused when there is none or it cannot be
    stored."""
    token = tokens.refresh_token
    if not token:
        raise SignInRefused(
            _(
                "The provider signed you in but gave no refresh token, so the worker could not "
                "sign in later. Microsoft: add offline_access to the scope. Google: remove the "
                "access in the Google account's security settings and sign in again."
            ),
            mailbox_id,
        )
    sealed = secretbox.seal(token)
    if (
        len(token) > REFRESH_TOKEN_CHARS
        or not all(" " < c <= "~" for c in token)
        or len(sealed) > limit_of(StatementMailbox, "oauth_refresh_token")
    ):
        raise SignInRefused(_("The provider's refresh token cannot be stored."), mailbox_id)
    return sealed


def finish_sign_in(
    actor: Actor, company: Company, answer: SignInAnswerInput, *, session_key: str = ""
) -> StatementMailbox:
    """The provider's answer: the refresh token stored, sealed, in place of the mailbox's
    (a failure of a refused sign-in cleared, the mailbox run soon); or a `SignInRefused` with
    the reason, the mailbox unchanged."""
    ensure_can(actor, company, "treasury.change")
    pending = _pending(actor, company, answer, session_key)
    mailbox_id = pending.mailbox_id
    if answer.error:
        said = mail_oauth.provider_refusal(answer.error, answer.error_description)
        if answer.error == "access_denied":
            message = _("The sign-in was declined at the provider (%(said)s): nothing changed.")
        else:
            message = _("The provider refused the sign-in (%(said)s): nothing changed.")
        raise SignInRefused(message % {"said": said}, mailbox_id)
    if not answer.code:
        raise SignInRefused(_("The provider's answer carries no code: start again."), mailbox_id)
    mailbox = StatementMailbox.objects.filter(company=company, pk=mailbox_id).first()
    if mailbox is None or mailbox.auth != MailAuth.OAUTH2 or not mailbox.oauth_token_url:
        raise SignInRefused(
            _("The mailbox no longer uses an OAuth2 sign-in: nothing changed."), mailbox_id
        )
    try:
        client_secret = secretbox.open_sealed(mailbox.oauth_client_secret)
        verifier = secretbox.open_sealed(pending.verifier)
    except secretbox.SecretUnreadable:
        raise SignInRefused(
            _("The stored client secret cannot be read: enter it again."), mailbox_id
        ) from None
    try:
        tokens = mail_oauth.exchange_code(
            mailbox.oauth_token_url,
            client_id=mailbox.oauth_client_id,
            client_secret=client_secret,
            code=answer.code,
            redirect_uri=pending.redirect_uri,
            code_verifier=verifier,
        )
    except mail_oauth.SignInAgain:
        raise SignInRefused(
            _("The provider did not accept the code (invalid_grant): start the sign-in again."),
            mailbox_id,
        ) from None
    except mail_oauth.TokenError as error:
        said = mail_oauth.scrub(str(error), [answer.code, client_secret, verifier])
        raise SignInRefused(
            _("The token endpoint %(url)s %(error)s: nothing changed.")
            % {"url": mailbox.oauth_token_url, "error": said},
            mailbox_id,
        ) from None
    sealed = _refresh_token(tokens, mailbox_id)
    with transaction.atomic():
        locked = StatementMailbox.objects.select_for_update().get(pk=mailbox.pk)
        locked.oauth_refresh_token = sealed
        cleared = locked.needs_sign_in and locked.status == SyncStatus.FAILED
        if cleared:
            locked.status = SyncStatus.NEVER if locked.last_run_at is None else SyncStatus.OK
            locked.last_error = ""
        locked.needs_sign_in = False
        locked.next_run_at = None  # run soon with the new sign-in
        locked.save()
        audit.record_event(
            actor,
            company,
            "mail_sign_in",
            locked,
            {
                "token_endpoint": locked.oauth_token_url,
                "scope": _scope(locked),
                "failure_cleared": cleared,
            },
        )
    return locked
