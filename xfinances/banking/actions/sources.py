"""Settings of the automatic sources (statement mailbox, watched folder, bank connection) and
the connection's consent: renew (a new consent, the owner approves at the bank) and confirm
(the bank says it is valid: syncing starts). Owners and accountants (`treasury.change`).

A mailbox password, and an OAuth2 login's client secret and refresh token, are stored sealed
(banking/secretbox.py) and never shown again; an empty one on a change keeps the stored one,
and the secrets of the sign-in not chosen are dropped. POP3 knows no folders: a done folder
with POP3 is refused. A watched folder must lie under the server's
statement folder root (`BANKING_FOLDER_ROOT`), so a company cannot make the worker read or
move files elsewhere on the server.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import urllib.parse
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import cutting, secretbox
from xfinances.banking.models import (
    BankConnection,
    MailAuth,
    MailProtocol,
    MailSecurity,
    StatementMailbox,
    SyncStatus,
    WatchedFolder,
)
from xfinances.banking.psd2 import client as psd2
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of, too_long_message
from xfinances.treasury.models import AccountKind, MoneyAccount

CONSENT_DAYS = 89  # unattended PSD2 access lasts at most 90 days (RTS art. 10)
# A typed mailbox password: its sealed form (16-byte nonce, up to 4 bytes a character, 32-byte
# tag, base64) fits StatementMailbox.password (1,200).
PASSWORD_CHARS = 200
# An OAuth2 client secret and refresh token are printable ASCII (RFC 6749, appendix A); sealed,
# the longest fit StatementMailbox.oauth_client_secret (800) and .oauth_refresh_token (5,500).
CLIENT_SECRET_CHARS = 500
REFRESH_TOKEN_CHARS = 4000
SECRET_FIELDS = ["password", "oauth_client_secret", "oauth_refresh_token"]
# Left out of a mailbox's audit rows: the secrets, and the POP3 run's memory of seen messages.
NOT_AUDITED = [*SECRET_FIELDS, "pop3_seen"]
# A change of any of these makes it another mailbox, or other messages statements: the POP3
# memory of messages decided on is forgotten.
POP3_SEEN_KEPT_WHILE = ("host", "port", "protocol", "username", "allowed_senders")
DEFAULT_PORTS: dict[tuple[str, str], int] = {
    (MailProtocol.IMAP, MailSecurity.SSL): 993,
    (MailProtocol.IMAP, MailSecurity.STARTTLS): 143,
    (MailProtocol.IMAP, MailSecurity.NONE): 143,
    (MailProtocol.POP3, MailSecurity.SSL): 995,
    (MailProtocol.POP3, MailSecurity.STARTTLS): 110,
    (MailProtocol.POP3, MailSecurity.NONE): 110,
}


def folder_root() -> Path:
    configured = getattr(settings, "BANKING_FOLDER_ROOT", None)
    return Path(configured or Path(settings.DATA_DIR) / "bank-folders").resolve()


def _text(
    model: type[models.Model],
    data: dict[str, Any],
    name: str,
    errors: ErrorCollector,
    *,
    required: bool,
) -> str:
    """A typed text, refused at its field when over its column's limit."""
    value = str(data.get(name) or "").strip()
    limit = limit_of(model, name)
    if required and not value:
        errors.add(name, _("Fill this in."))
    elif len(value) > limit:
        errors.add(name, too_long_message(limit, len(value)))
    return value


def _number(
    data: dict[str, Any], name: str, errors: ErrorCollector, low: int, high: int, default: int
) -> int:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a whole number."))
        return default
    if not low <= value <= high:
        errors.add(name, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return value


def _account(company: Company, raw: Any, errors: ErrorCollector) -> MoneyAccount | None:
    if raw in (None, ""):
        return None
    found = MoneyAccount.objects.filter(
        company=company, pk=raw if str(raw).isdigit() else 0, kind=AccountKind.BANK
    ).first()
    if found is None:
        errors.add("account", _("No such bank account in this company."))
    return found


def _senders(raw: str, errors: ErrorCollector) -> str:
    lines = [line.strip().lower() for line in raw.splitlines() if line.strip()]
    for line in lines:
        try:
            validate_email(("x" + line) if line.startswith("@") else line)
        except ValidationError:
            errors.add(
                "allowed_senders",
                _("%(value)s is not an e-mail address or @domain.") % {"value": line},
            )
    return "\n".join(lines)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allow_local_bank() -> bool:
    """Banks on this machine or a private network: the simulated bank of the demo and tests."""
    return bool(getattr(settings, "BANKING_ALLOW_LOCAL_BANK", False))


def _private(host: str) -> bool:
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def _choice(
    data: dict[str, Any], name: str, choices: Any, errors: ErrorCollector, refusal: str
) -> str:
    value = str(data.get(name) or choices.values[0])
    if value not in choices.values:
        errors.add(name, refusal)
    return value


def _secret(
    data: dict[str, Any],
    name: str,
    limit: int,
    errors: ErrorCollector,
    *,
    stored: str,
    required: bool = True,
) -> str | None:
    """The sealed form of a typed secret, or None when none was typed (the `stored` one, sealed,
    stays); refused at its field when required and neither typed nor stored, too long, or (a
    token) not printable ASCII."""
    typed = str(data.get(name) or "")
    if name != "password":
        typed = typed.strip()  # a pasted token: the spaces around it are not part of it
    if not typed:
        if required and not stored:
            errors.add(name, _("Fill this in."))
        return None
    if len(typed) > limit:
        errors.add(name, too_long_message(limit, len(typed)))
        return None
    if name != "password" and not all(" " < c <= "~" for c in typed):
        errors.add(
            name, _("Paste the value exactly as the provider gave it (letters, digits, signs).")
        )
        return None
    return secretbox.seal(typed)


def _token_url(raw: str, errors: ErrorCollector, name: str = "oauth_token_url") -> None:
    """The worker posts the refresh token there unattended: https, and not this machine or its
    network (unless the server allows local banks, as the tests' loopback endpoint needs). The
    authorization endpoint, where the owner's browser signs in, follows the same rules."""
    if not raw:
        return
    url = urllib.parse.urlsplit(raw)
    local = _private(url.hostname or "")
    if local and not allow_local_bank():
        errors.add(name, _("The address points to this machine or a private network."))
    elif not url.hostname or not (url.scheme == "https" or (url.scheme == "http" and local)):
        if name == "oauth_token_url":
            errors.add(name, _("The token endpoint must start with https://."))
        else:
            errors.add(name, _("The authorization endpoint must start with https://."))
    elif url.fragment:
        errors.add(name, _("The address cannot have a part after #."))


def clean_mailbox(
    company: Company, data: dict[str, Any], instance: StatementMailbox | None
) -> dict[str, Any]:
    errors = ErrorCollector()
    protocol = _choice(data, "protocol", MailProtocol, errors, _("Choose IMAP or POP3."))
    security = _choice(data, "security", MailSecurity, errors, _("Choose SSL, STARTTLS or none."))
    auth = _choice(data, "auth", MailAuth, errors, _("Choose a password or an OAuth2 sign-in."))
    oauth2 = auth == MailAuth.OAUTH2
    port = DEFAULT_PORTS.get((protocol, security), 993)  # str choices compare as their values
    clean: dict[str, Any] = {
        "name": _text(StatementMailbox, data, "name", errors, required=True),
        "host": _text(StatementMailbox, data, "host", errors, required=True),
        "username": _text(StatementMailbox, data, "username", errors, required=True),
        "folder": _text(StatementMailbox, data, "folder", errors, required=False) or "INBOX",
        "done_folder": _text(StatementMailbox, data, "done_folder", errors, required=False),
        "port": _number(data, "port", errors, 1, 65535, port),
        "interval_minutes": _number(data, "interval_minutes", errors, 5, 1440, 60),
        "active": bool(data.get("active", True)),
        "delete_after_import": bool(data.get("delete_after_import", False)),
        "allowed_senders": _senders(str(data.get("allowed_senders") or ""), errors),
        "account": _account(company, data.get("account"), errors),
        "protocol": protocol,
        "security": security,
        "auth": auth,
        "oauth_token_url": _text(
            StatementMailbox, data, "oauth_token_url", errors, required=oauth2
        ),
        "oauth_client_id": _text(
            StatementMailbox, data, "oauth_client_id", errors, required=oauth2
        ),
        "oauth_authorize_url": _text(
            StatementMailbox, data, "oauth_authorize_url", errors, required=False
        ),
        "oauth_scope": _text(StatementMailbox, data, "oauth_scope", errors, required=False),
    }
    if security == MailSecurity.NONE and clean["host"] and not _loopback(clean["host"]):
        errors.add(
            "security",
            _("A password is sent in the clear only to this machine: use SSL or STARTTLS."),
        )
    if protocol == MailProtocol.POP3:
        if clean["folder"].upper() != "INBOX":
            errors.add("folder", _("POP3 reads only the inbox: leave the folder as INBOX."))
        if clean["done_folder"]:
            errors.add(
                "done_folder",
                _("POP3 has no folders: leave this empty (or use IMAP to move messages)."),
            )
        clean["folder"] = "INBOX"
    if clean["done_folder"] and clean["delete_after_import"]:
        errors.add(
            "delete_after_import",
            _("Either move processed messages to a folder or delete them, not both."),
        )
    was_oauth2 = instance is not None and instance.auth == MailAuth.OAUTH2
    if oauth2:
        _token_url(clean["oauth_token_url"], errors)
        _token_url(clean["oauth_authorize_url"], errors, "oauth_authorize_url")
        limits = {
            "oauth_client_secret": CLIENT_SECRET_CHARS,
            "oauth_refresh_token": REFRESH_TOKEN_CHARS,
        }
        for name, limit in limits.items():
            stored = getattr(instance, name) if was_oauth2 else ""
            # A public client (Microsoft's, often) has no client secret; with an authorization
            # endpoint the refresh token comes from the sign-in in the browser, after saving.
            required = name == "oauth_refresh_token" and not clean["oauth_authorize_url"]
            sealed = _secret(data, name, limit, errors, stored=stored, required=required)
            clean[name] = stored if sealed is None else sealed
            if name == "oauth_refresh_token" and sealed is not None:
                clean["needs_sign_in"] = False  # a new token was pasted
        clean["password"] = ""  # the sign-in not chosen keeps no secret
    else:
        kept = instance.password if instance is not None and not was_oauth2 else ""
        sealed = _secret(data, "password", PASSWORD_CHARS, errors, stored=kept)
        clean["password"] = kept if sealed is None else sealed
        clean["oauth_client_secret"] = clean["oauth_refresh_token"] = ""
        clean["needs_sign_in"] = False
    errors.raise_if_any()
    if instance is not None and any(
        clean[name] != getattr(instance, name) for name in POP3_SEEN_KEPT_WHILE
    ):
        clean["pop3_seen"] = {}
    return clean


def clean_folder(company: Company, data: dict[str, Any]) -> dict[str, Any]:
    errors = ErrorCollector()
    clean: dict[str, Any] = {
        "name": _text(WatchedFolder, data, "name", errors, required=True),
        "interval_minutes": _number(data, "interval_minutes", errors, 1, 1440, 5),
        "active": bool(data.get("active", True)),
        "account": _account(company, data.get("account"), errors),
    }
    raw = _text(WatchedFolder, data, "path", errors, required=True)
    if raw:
        root = folder_root()
        path = Path(raw).resolve()
        if not Path(raw).is_absolute():
            errors.add("path", _("Give the full path of the folder."))
        elif path != root and root not in path.parents:
            errors.add("path", _("The folder must be inside %(root)s.") % {"root": root})
        elif not path.is_dir():
            errors.add("path", _("There is no folder %(path)s on the server.") % {"path": path})
        clean["path"] = str(path)
    errors.raise_if_any()
    return clean


def clean_connection(data: dict[str, Any]) -> dict[str, Any]:
    errors = ErrorCollector()
    clean: dict[str, Any] = {
        "name": _text(BankConnection, data, "name", errors, required=True),
        "base_url": _text(BankConnection, data, "base_url", errors, required=True),
        "client_cert": _text(BankConnection, data, "client_cert", errors, required=False),
        "client_key": _text(BankConnection, data, "client_key", errors, required=False),
        "ca_file": _text(BankConnection, data, "ca_file", errors, required=False),
        "frequency_per_day": _number(data, "frequency_per_day", errors, 1, 24, 4),
        "first_hour": _number(data, "first_hour", errors, 0, 23, 8),
        "last_hour": _number(data, "last_hour", errors, 0, 23, 18),
        "warn_days": _number(data, "warn_days", errors, 1, 60, 7),
        "history_days": _number(data, "history_days", errors, 1, 730, 30),
        "active": bool(data.get("active", True)),
    }
    url = urllib.parse.urlsplit(clean["base_url"])
    local = _private(url.hostname or "")
    if clean["base_url"] and local and not allow_local_bank():
        # The worker would call it unattended: no door into this machine or its network.
        errors.add("base_url", _("The address points to this machine or a private network."))
    elif clean["base_url"] and not (url.scheme == "https" or (url.scheme == "http" and local)):
        errors.add("base_url", _("The bank's API address must start with https://."))
    if clean["first_hour"] > clean["last_hour"]:
        errors.add("last_hour", _("The last sync cannot come before the first."))
    headers = data.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        errors.add("headers", _("Give the headers as names and text values."))
    clean["headers"] = headers
    errors.raise_if_any()
    return clean


MODELS: dict[str, Any] = {
    "mailbox": StatementMailbox,
    "folder": WatchedFolder,
    "connection": BankConnection,
}


@transaction.atomic
def save_source(
    actor: Actor, company: Company, kind: str, data: dict[str, Any], instance: Any = None
) -> Any:
    """Create (`instance` None) or change a mailbox, folder or connection; refused as a whole
    with the fields named."""
    ensure_can(actor, company, "treasury.change")
    creating = instance is None
    if kind == "mailbox":
        clean = clean_mailbox(company, data, instance)
    elif kind == "folder":
        clean = clean_folder(company, data)
    elif kind == "connection":
        clean = clean_connection(data)
    else:
        raise InvalidInput({"kind": [_("Unknown source.")]})
    if creating:
        instance = MODELS[kind](company=company, **clean)
        instance.save()
        audit.record_create(actor, company, f"create_{kind}", _without_secret(instance))
        return instance
    if instance.company_id != company.pk:
        raise InvalidInput({"id": [_("No such source in this company.")]})
    before = audit.snapshot(instance, exclude=NOT_AUDITED)
    for name, value in clean.items():
        setattr(instance, name, value)
    instance.next_run_at = None  # run soon with the new settings
    instance.save()
    audit.record_update(
        actor, company, f"update_{kind}", instance, before,
        after=audit.snapshot(instance, exclude=NOT_AUDITED),
    )  # fmt: skip
    return instance


def _without_secret(instance: Any) -> Any:
    """Audit rows never carry a sealed secret (a copy holds the other settings)."""
    if isinstance(instance, StatementMailbox):
        copy = StatementMailbox(pk=instance.pk, company_id=instance.company_id)
        for field in (
            "name", "host", "port", "protocol", "security", "auth", "username", "folder",
            "done_folder", "delete_after_import", "oauth_token_url", "oauth_authorize_url",
            "oauth_client_id", "oauth_scope",
        ):  # fmt: skip
            setattr(copy, field, getattr(instance, field))
        return copy
    return instance


@transaction.atomic
def delete_source(actor: Actor, instance: Any) -> None:
    company = instance.company
    ensure_can(actor, company, "treasury.change")
    audit.record_delete(actor, company, "delete_source", _without_secret(instance))
    instance.delete()


def run_now(actor: Actor, instance: Any) -> None:
    """Make the source due: the worker runs it within minutes."""
    ensure_can(actor, instance.company, "treasury.change")
    type(instance).objects.filter(pk=instance.pk).update(next_run_at=None)


def renew_consent(actor: Actor, connection: BankConnection, client: psd2.PSD2Client) -> str:
    """Ask the bank for a new consent (all accounts, CONSENT_DAYS, the connection's syncs a
    day); the address where the owner approves it (redirect SCA), or "" (decoupled: in the
    bank's app). Refused with the bank's message when the bank says no."""
    ensure_can(actor, connection.company, "treasury.change")
    today = timezone.localdate()
    try:
        consent = client.create_consent(
            valid_until=today + dt.timedelta(days=CONSENT_DAYS),
            frequency_per_day=connection.frequency_per_day,
        )
    except psd2.PSD2Error as error:
        raise InvalidInput({"consent": [str(error)]}) from None
    with transaction.atomic():
        # The bank's answer is cut to the columns, never refused for its length.
        connection.consent_id = cutting.cut(BankConnection, "consent_id", consent.consent_id)
        connection.consent_status = cutting.cut(BankConnection, "consent_status", consent.status)
        connection.consent_valid_until = consent.valid_until
        connection.sca_redirect = cutting.cut(BankConnection, "sca_redirect", consent.sca_redirect)
        connection.status = SyncStatus.CONSENT
        connection.save()
        audit.record_event(actor, connection.company, "renew_consent", connection)
    return connection.sca_redirect


def confirm_consent(actor: Actor, connection: BankConnection, client: psd2.PSD2Client) -> str:
    """After the owner approved at the bank: read the consent's status; when valid, learn its
    accounts (keeping each IBAN's last booked day) and let the sync run now."""
    ensure_can(actor, connection.company, "treasury.change")
    if not connection.consent_id:
        raise InvalidInput({"consent": [_("Ask the bank for a consent first.")]})
    try:
        status = client.consent_status(connection.consent_id)
        accounts = client.accounts(connection.consent_id) if status == "valid" else []
    except psd2.PSD2Error as error:
        raise InvalidInput({"consent": [str(error)]}) from None
    with transaction.atomic():
        connection.consent_status = cutting.cut(BankConnection, "consent_status", status)
        if status == "valid":
            by_iban = {v.get("iban"): v for v in (connection.cursor or {}).values()}
            connection.cursor = {
                a.resource_id: {
                    "iban": a.iban,
                    "currency": a.currency,
                    "last_booked": (by_iban.get(a.iban) or {}).get("last_booked"),
                }
                for a in accounts
            }
            connection.status = (
                SyncStatus.NEVER if connection.last_run_at is None else SyncStatus.OK
            )
            connection.failures = 0
            connection.next_run_at = None
            connection.warned_for = None
            connection.sca_redirect = ""
            connection.last_error = ""
        connection.save()
        audit.record_event(
            actor, connection.company, "confirm_consent", connection, {"status": status}
        )
    return status
